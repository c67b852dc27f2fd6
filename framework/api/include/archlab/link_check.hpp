// Checks across components at load time. A component sees only its own parameters; what its
// ports connect to (an SRAM smaller than the buffer it is meant to hold, an array narrower than
// the tile sent to it) would otherwise show up only as dropped requests or an unfinished run.
// A component type may declare
//
//   static void check_links(const Params&, archlab::LinkCheck& check);
//
// which runs once per component entry when the system is built (`archlab check`, `run`, every
// tuning trial), before anything runs. It reads the declared parameters of the components on
// its links and may refuse the configuration naming one of them; archlab then stops with a
// ConfigError that names both components and where each is defined. Host code only.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>

#include "archlab/event.hpp"

namespace archlab {

struct ParamSpec;

/// A component at the other end of one of this component's links.
struct LinkedComponent {
  const char* name;          ///< its name in the configuration ("sram")
  std::uint32_t index;       ///< its index in its array (sram[3]: 3)
  const char* type;          ///< its plugin ("memory.sram")
  PortId port;               ///< this component's port the link is on (an index into ports[])
  const char* peer_port;     ///< its port at the other end ("req")
  bool outgoing;             ///< the link goes from this component to it
  const ParamSpec* params;   ///< its declared schema
  std::uint32_t nparams;
  const void* values;        ///< its filled Params

  /// The value of its parameter `param` as stored, in base units (Size: bytes, Time: ps,
  /// Frequency: Hz, Bandwidth: bytes/s, Choice: the index, Bool: 0 or 1); NaN when it declares
  /// no such parameter or it is a Path.
  inline double number(const char* param) const;  // defined in component.hpp
  bool is(const char* plugin) const { return std::strcmp(type, plugin) == 0; }
};

class LinkCheck {
 public:
  LinkCheck(std::span<const LinkedComponent> peers) : peers_(peers) {}

  /// Every component on this component's links, in the order the links are written (an array
  /// link lists each receiver).
  std::span<const LinkedComponent> peers() const { return peers_; }
  /// How many of them are on `port`.
  std::uint32_t count(PortId port) const {
    std::uint32_t n = 0;
    for (const LinkedComponent& peer : peers_) n += peer.port == port;
    return n;
  }

  /// Refuses the configuration because of `peer`: `message` says what does not fit (the values
  /// and their units) and what would. The first refusal counts.
  void refuse(const LinkedComponent& peer, const char* message) {
    if (refused_ != nullptr) return;
    refused_ = &peer;
    std::snprintf(message_, sizeof message_, "%s", message);
  }
  /// Refuses without naming a component on a link (too many links on one port, say).
  void refuse(const char* message) {
    if (refused_ != nullptr || message_[0] != '\0') return;
    std::snprintf(message_, sizeof message_, "%s", message);
  }

  const LinkedComponent* refused() const { return refused_; }
  const char* message() const { return message_; }
  bool ok() const { return refused_ == nullptr && message_[0] == '\0'; }

 private:
  std::span<const LinkedComponent> peers_;
  const LinkedComponent* refused_ = nullptr;
  char message_[1024] = {};
};

}  // namespace archlab
