// Reading back archlab HDF5 files in tests, with the HDF5 C API.
#pragma once

#include <hdf5.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace archlab::testing {

class H5File {
 public:
  explicit H5File(const std::string& path) : id_(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {
    if (id_ < 0) throw std::runtime_error("cannot open " + path);
  }
  ~H5File() { H5Fclose(id_); }
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;

  bool exists(const std::string& name) const { return H5Lexists(id_, name.c_str(), H5P_DEFAULT) > 0; }

  /// Dataset extents.
  std::vector<hsize_t> shape(const std::string& name) const {
    const hid_t set = open(name);
    const hid_t space = H5Dget_space(set);
    std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    H5Sclose(space);
    H5Dclose(set);
    return dims;
  }

  template <class T>
  std::vector<T> read(const std::string& name, hid_t memory_type) const {
    std::size_t count = 1;
    for (hsize_t d : shape(name)) count *= d;
    std::vector<T> values(count);
    const hid_t set = open(name);
    if (count > 0 && H5Dread(set, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
      H5Dclose(set);
      throw std::runtime_error("cannot read " + name);
    }
    H5Dclose(set);
    return values;
  }
  std::vector<double> doubles(const std::string& name) const { return read<double>(name, H5T_NATIVE_DOUBLE); }
  std::vector<unsigned long long> u64(const std::string& name) const {
    return read<unsigned long long>(name, H5T_NATIVE_ULLONG);
  }

  std::string string_attribute(const std::string& name) const {
    const hid_t attr = H5Aopen(id_, name.c_str(), H5P_DEFAULT);
    if (attr < 0) throw std::runtime_error("no attribute " + name);
    const hid_t type = H5Aget_type(attr);
    std::string value;
    if (H5Tis_variable_str(type) > 0) {
      char* text = nullptr;
      const hid_t memory = H5Tcopy(H5T_C_S1);
      H5Tset_size(memory, H5T_VARIABLE);
      H5Tset_cset(memory, H5Tget_cset(type));
      H5Aread(attr, memory, &text);
      value = text != nullptr ? text : "";
      H5free_memory(text);
      H5Tclose(memory);
    } else {
      std::vector<char> buffer(H5Tget_size(type) + 1, '\0');
      H5Aread(attr, type, buffer.data());
      value = buffer.data();
    }
    H5Tclose(type);
    H5Aclose(attr);
    return value;
  }

  unsigned long long uint_attribute(const std::string& name) const {
    const hid_t attr = H5Aopen(id_, name.c_str(), H5P_DEFAULT);
    if (attr < 0) throw std::runtime_error("no attribute " + name);
    unsigned long long value = 0;
    H5Aread(attr, H5T_NATIVE_ULLONG, &value);
    H5Aclose(attr);
    return value;
  }

  hid_t id() const { return id_; }

 private:
  hid_t open(const std::string& name) const {
    const hid_t set = H5Dopen2(id_, name.c_str(), H5P_DEFAULT);
    if (set < 0) throw std::runtime_error("no dataset " + name);
    return set;
  }
  hid_t id_;
};

}  // namespace archlab::testing
