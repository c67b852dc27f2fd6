// [tune] conditions: "<expression> <comparison> <expression>" over the space's dimensions
// (a recursive-descent parser and the tree it builds), and how a point is tested against one.
// Quantities compare in base units, so "buffer <= 2 * cache" holds across "KiB" and "MiB".
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "archlab/errors.hpp"
#include "archlab/input_limits.hpp"
#include "archlab/text.hpp"
#include "archlab/tune.hpp"
#include "archlab/units.hpp"

namespace archlab {
namespace {


enum Compare { kLe = 1, kGe, kLt, kGt, kEq, kNe };

class ConditionParser {
 public:
   // The parser and the tree it builds recurse once per nesting level and per operand, so the
   // length of a condition bounds the stack they use.
   ConditionParser(const std::string& text, const std::vector<SpaceParam>& space, const std::string& where)
       : text_(text), space_(space), where_(where) {
     if (text_.size() > limits::kMaxExpressionChars) {
       error("longer than " + std::to_string(limits::kMaxExpressionChars) + " characters, the limit on a condition");
     }
   }

  std::shared_ptr<const SpaceCondition::Node> expression();
  int comparison();
  bool at_end() {
    skip();
    return pos_ == text_.size();
  }
  [[noreturn]] void error(const std::string& message) const {
    throw ConfigError(where_ + ": condition \"" + limits::clip(text_) + "\": " + message + " (at column " +
                      std::to_string(pos_ + 1) + ")");
  }

 private:
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  std::shared_ptr<const SpaceCondition::Node> term();
  std::shared_ptr<const SpaceCondition::Node> factor();

  const std::string& text_;
  const std::vector<SpaceParam>& space_;
  std::string where_;
  std::size_t pos_ = 0;
};

}  // namespace

struct SpaceCondition::Node {
  char op = 0;  ///< 0: number, 'd': dimension, '+', '-', '*', '/', 'n' (negate)
  double value = 0;
  std::size_t dim = 0;
  std::shared_ptr<const Node> left;
  std::shared_ptr<const Node> right;

  double eval(const double* point, const SpaceCondition& condition) const {
    switch (op) {
      case 0: return value;
      case 'd': return condition.base_value(dim, point[dim]);
      case 'n': return -left->eval(point, condition);
      case '+': return left->eval(point, condition) + right->eval(point, condition);
      case '-': return left->eval(point, condition) - right->eval(point, condition);
      case '*': return left->eval(point, condition) * right->eval(point, condition);
      case '/': return left->eval(point, condition) / right->eval(point, condition);
      default: return NAN;
    }
  }
};

namespace {

using NodePtr = std::shared_ptr<const SpaceCondition::Node>;

NodePtr binary(char op, NodePtr left, NodePtr right) {
  auto node = std::make_shared<SpaceCondition::Node>();
  node->op = op;
  node->left = std::move(left);
  node->right = std::move(right);
  return node;
}

NodePtr ConditionParser::expression() {
  NodePtr left = term();
  for (;;) {
    skip();
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
      const char op = text_[pos_++];
      left = binary(op, left, term());
    } else {
      return left;
    }
  }
}

NodePtr ConditionParser::term() {
  NodePtr left = factor();
  for (;;) {
    skip();
    if (pos_ < text_.size() && (text_[pos_] == '*' || text_[pos_] == '/')) {
      const char op = text_[pos_++];
      left = binary(op, left, factor());
    } else {
      return left;
    }
  }
}

NodePtr ConditionParser::factor() {
  skip();
  if (pos_ >= text_.size()) error("expected a number, a parameter or '('");
  const char c = text_[pos_];
  auto node = std::make_shared<SpaceCondition::Node>();
  if (c == '(') {
    ++pos_;
    NodePtr inner = expression();
    skip();
    if (pos_ >= text_.size() || text_[pos_] != ')') error("expected ')'");
    ++pos_;
    return inner;
  }
  if (c == '-') {
    ++pos_;
    node->op = 'n';
    node->left = factor();
    return node;
  }
  if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
    std::size_t used = 0;
    try {
      node->value = std::stod(text_.substr(pos_), &used);
    } catch (const std::exception&) {
      error("malformed number");
    }
    pos_ += used;
    // A number followed by a unit is a quantity, in its base unit like the dimensions it meets.
    std::size_t unit_end = pos_;
    while (unit_end < text_.size() && std::isspace(static_cast<unsigned char>(text_[unit_end]))) ++unit_end;
    const std::size_t unit_start = unit_end;
    while (unit_end < text_.size() && std::isalpha(static_cast<unsigned char>(text_[unit_end]))) ++unit_end;
    if (unit_end + 1 < text_.size() && unit_end > unit_start && text_[unit_end] == '/' &&
        std::isalpha(static_cast<unsigned char>(text_[unit_end + 1]))) {
      ++unit_end;
      while (unit_end < text_.size() && std::isalpha(static_cast<unsigned char>(text_[unit_end]))) ++unit_end;
    }
    if (unit_end > unit_start) {
      const std::string unit = text_.substr(unit_start, unit_end - unit_start);
      const auto scale = units::base_scale(unit);
      if (!scale) {
        pos_ = unit_start;
        error("'" + unit + "' after a number is not a unit (units: " + units::known_units() +
              "); write '*' to multiply");
      }
      node->value *= *scale;
      pos_ = unit_end;
    }
    return node;
  }
  if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
    const std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' || text_[pos_] == '.')) {
      ++pos_;
    }
    const std::string name = text_.substr(start, pos_ - start);
    std::vector<std::size_t> matches;
    std::vector<std::string> names;
    for (std::size_t d = 0; d < space_.size(); ++d) {
      const std::string& path = space_[d].path;
      names.push_back(path);
      const std::string last = path.substr(path.rfind('.') + 1);
      if (path == name) {
        matches = {d};
        break;
      }
      if (last == name) matches.push_back(d);
    }
    if (matches.size() != 1) {
      pos_ = start;
      error((matches.empty() ? "'" + name + "' is not a dimension of the space"
                             : "'" + name + "' names several dimensions; write the whole path") +
            text::suggest(name, names));
    }
    node->op = 'd';
    node->dim = matches[0];
    return node;
  }
  error(std::string("unexpected '") + c + "'");
}

int ConditionParser::comparison() {
  skip();
  const std::string rest = text_.substr(pos_, 2);
  const std::pair<const char*, int> ops[] = {{"<=", kLe}, {">=", kGe}, {"==", kEq}, {"!=", kNe}, {"<", kLt}, {">", kGt}};
  for (const auto& [symbol, op] : ops) {
    if (rest.rfind(symbol, 0) == 0) {
      pos_ += std::char_traits<char>::length(symbol);
      return op;
    }
  }
  error("expected a comparison: <=, >=, <, >, ==, !=");
}

}  // namespace

SpaceCondition::SpaceCondition(const std::string& text, const std::vector<SpaceParam>& space, const std::string& where)
    : text_(text) {
  ConditionParser parser(text, space, where);
  left_ = parser.expression();
  op_ = parser.comparison();
  right_ = parser.expression();
  if (!parser.at_end()) parser.error("unexpected text after the condition");
  for (const SpaceParam& dim : space) {
    std::vector<double> numeric;
    if (dim.kind == DimensionKind::Choice) {
      for (const std::string& label : dim.choices) {
        char* end = nullptr;
        double value = std::strtod(label.c_str(), &end);
        if (end == label.c_str() || *end != '\0') {
          try {
            value = units::parse_quantity(label);
          } catch (const std::invalid_argument&) {
            numeric.clear();
            break;
          }
        }
        numeric.push_back(value);
      }
    }
    choice_values_.push_back(std::move(numeric));
    scales_.push_back(dim.kind != DimensionKind::Choice && !dim.unit.empty() ? units::base_scale(dim.unit).value_or(1.0)
                                                                              : 1.0);
  }
}

double SpaceCondition::base_value(std::size_t dim, double value) const {
  const auto& numeric = choice_values_[dim];
  if (!numeric.empty()) return numeric[static_cast<std::size_t>(value)];
  return value * scales_[dim];
}

bool SpaceCondition::holds(const double* point) const {
  const double a = left_->eval(point, *this);
  const double b = right_->eval(point, *this);
  switch (op_) {
    case kLe: return a <= b;
    case kGe: return a >= b;
    case kLt: return a < b;
    case kGt: return a > b;
    case kEq: return a == b;
    case kNe: return a != b;
    default: return false;
  }
}

}  // namespace archlab
