/// \file hdf5_handle.hpp
/// RAII ownership of HDF5 identifiers and typed attribute helpers (private to the io library).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace zdscan::h5
{
/// Owns one hid_t and closes it with the matching H5?close.
class Handle
{
  public:
    using Closer = herr_t (*)(hid_t);
    Handle() = default;
    Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
    Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, -1)), closer_(o.closer_) {}
    Handle& operator=(Handle&& o) noexcept
    {
        reset();
        id_ = std::exchange(o.id_, -1);
        closer_ = o.closer_;
        return *this;
    }
    ~Handle() { reset(); }
    /// Closes now and returns the library's status (the destructor cannot report a failed close).
    herr_t close()
    {
        const herr_t status = (id_ >= 0 && closer_) ? closer_(id_) : 0;
        id_ = -1;
        return status;
    }
    operator hid_t() const { return id_; }
    bool valid() const { return id_ >= 0; }

  private:
    void reset()
    {
        if (id_ >= 0 && closer_)
        {
            closer_(id_);
        }
        id_ = -1;
    }
    hid_t id_ = -1;
    Closer closer_ = nullptr;
};

/// The system's reason behind the current HDF5 error, if any: the file drivers record it as
/// "..., errno = 28, error message = 'No space left on device', ..." deep in the error stack.
inline std::string error_stack_reason()
{
    std::string reason;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_DOWNWARD,
        [](unsigned, const H5E_error2_t* e, void* data) -> herr_t
        {
            auto* out = static_cast<std::string*>(data);
            if (!e->desc) return 0;
            const std::string desc = e->desc;
            const auto at = desc.find("error message = '");
            if (at != std::string::npos && out->empty())
            {
                const auto begin = at + 17;
                *out = desc.substr(begin, desc.find('\'', begin) - begin);
            }
            return 0;
        },
        &reason);
    return reason;
}

template <class T> T check(T status, const std::string& what)
{
    if (status < 0)
    {
        const std::string reason = error_stack_reason();
        throw std::runtime_error("HDF5 error: " + what + (reason.empty() ? "" : ": " + reason));
    }
    return status;
}

/// HDF5 file (little-endian, fixed) and memory types of the element types zdscan writes.
template <class T> struct ElementTypes;
template <> struct ElementTypes<double>
{
    static hid_t file() { return H5T_IEEE_F64LE; }
    static hid_t memory() { return H5T_NATIVE_DOUBLE; }
};
template <> struct ElementTypes<std::int32_t>
{
    static hid_t file() { return H5T_STD_I32LE; }
    static hid_t memory() { return H5T_NATIVE_INT32; }
};

/// Creates the contiguous dataset `name` of the given shape in `where` and writes data (C order, all elements).
template <class T> Handle write_dataset(hid_t where, const char* name, const std::vector<hsize_t>& shape, const T* data)
{
    Handle space(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "dataspace"), H5Sclose);
    Handle set(
        check(H5Dcreate2(where, name, ElementTypes<T>::file(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name),
        H5Dclose);
    check(H5Dwrite(set, ElementTypes<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
    return set;
}

/// Creates the contiguous dataset `name` of the given shape and writes its planes along the first axis, plane k from
/// planes[k] (the product of the other extents long): no concatenated copy of the whole (the δ slices' maps, 160 MB
/// at 1024² with four slices, were copied and page-faulted in once more for nothing).
template <class T>
Handle write_dataset_planes(hid_t where, const char* name, const std::vector<hsize_t>& shape,
                            const std::vector<const T*>& planes)
{
    if (shape.empty() || planes.size() != shape[0]) throw std::logic_error("write_dataset_planes: one plane per index");
    Handle space(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "dataspace"), H5Sclose);
    Handle set(
        check(H5Dcreate2(where, name, ElementTypes<T>::file(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name),
        H5Dclose);
    std::vector<hsize_t> start(shape.size(), 0), count = shape;
    count[0] = 1;
    Handle mem(check(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), "dataspace"), H5Sclose);
    for (hsize_t k = 0; k < shape[0]; ++k)
    {
        start[0] = k;
        check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr), "hyperslab");
        check(H5Dwrite(set, ElementTypes<T>::memory(), mem, space, H5P_DEFAULT, planes[k]), name);
    }
    return set;
}

/// The same with the file's element type chosen (e.g. float32 on disk from doubles in memory: HDF5 rounds each
/// value to nearest).
inline Handle write_dataset_as(hid_t where, const char* name, const std::vector<hsize_t>& shape, const double* data,
                               hid_t file_type)
{
    Handle space(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "dataspace"), H5Sclose);
    Handle set(check(H5Dcreate2(where, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name),
               H5Dclose);
    check(H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
    return set;
}

/// A 1-D dataset of variable-length UTF-8 strings (h5py returns bytes objects, xarray str).
inline Handle write_string_dataset(hid_t where, const char* name, const std::vector<std::string>& values)
{
    Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
    check(H5Tset_size(type, H5T_VARIABLE), "string type");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "string type");
    const hsize_t n = values.size();
    Handle space(check(H5Screate_simple(1, &n, nullptr), "dataspace"), H5Sclose);
    Handle set(check(H5Dcreate2(where, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name), H5Dclose);
    std::vector<const char*> pointers;
    for (const auto& v : values) pointers.push_back(v.c_str());
    check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), name);
    return set;
}

/// We report errors ourselves; the library's stack dump would only confuse users.
/// Also: no library clean-up at exit. We close every object ourselves; HDF5 1.10's exit handler retries a close
/// that failed on a full disk and crashes in H5F__close_cb. H5dont_atexit only works before the library
/// starts, so this is called before any other HDF5 call (a later call is a harmless no-op).
inline void silence_error_stack()
{
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

inline void write_attribute(hid_t where, const char* name, double value)
{
    Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
    Handle attr(check(H5Acreate2(where, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT), name), H5Aclose);
    check(H5Awrite(attr, H5T_NATIVE_DOUBLE, &value), name);
}

inline void write_attribute(hid_t where, const char* name, int value)
{
    Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
    Handle attr(check(H5Acreate2(where, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT), name), H5Aclose);
    check(H5Awrite(attr, H5T_NATIVE_INT, &value), name);
}

/// Variable-length UTF-8 string: h5py returns it as str.
inline void write_attribute(hid_t where, const char* name, const std::string& value)
{
    Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
    check(H5Tset_size(type, H5T_VARIABLE), "string type");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "string type");
    Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
    Handle attr(check(H5Acreate2(where, name, type, space, H5P_DEFAULT, H5P_DEFAULT), name), H5Aclose);
    const char* data = value.c_str();
    check(H5Awrite(attr, type, &data), name);
}
inline void write_attribute(hid_t where, const char* name, const char* value)
{
    write_attribute(where, name, std::string(value));
}

/// An attribute read from a file is untrusted: it must be a single value (scalar, or one element) of the expected
/// type class before it is read, or the read would write past the value (an array read as a scalar).
struct SingleAttribute
{
    Handle attr, type;  ///< the attribute and its type in the file
};
inline SingleAttribute open_single_attribute(hid_t where, const char* name, H5T_class_t want_a, H5T_class_t want_b,
                                             const char* expected)
{
    if (H5Aexists(where, name) <= 0) throw std::runtime_error(std::string("missing attribute ") + name);
    Handle attr(check(H5Aopen(where, name, H5P_DEFAULT), std::string("attribute ") + name), H5Aclose);
    Handle space(check(H5Aget_space(attr), name), H5Sclose);
    const H5S_class_t space_class = H5Sget_simple_extent_type(space);
    if (space_class == H5S_NO_CLASS || space_class == H5S_NULL
        || (space_class == H5S_SIMPLE && H5Sget_simple_extent_npoints(space) != 1))
    {
        throw std::runtime_error(std::string("attribute ") + name + " is not a single value");
    }
    Handle type(check(H5Aget_type(attr), name), H5Tclose);
    const H5T_class_t c = H5Tget_class(type);
    if (c != want_a && c != want_b) throw std::runtime_error(std::string("attribute ") + name + " is not " + expected);
    return {std::move(attr), std::move(type)};
}

inline double read_double_attribute(hid_t where, const char* name)
{
    const SingleAttribute a = open_single_attribute(where, name, H5T_FLOAT, H5T_INTEGER, "a number");
    double v = 0;
    check(H5Aread(a.attr, H5T_NATIVE_DOUBLE, &v), name);
    return v;
}

/// A string attribute, variable-length (as zdscan and h5py write str) or fixed-length (NumPy bytes).
inline std::string read_string_attribute(hid_t where, const char* name)
{
    const SingleAttribute a = open_single_attribute(where, name, H5T_STRING, H5T_STRING, "a string");
    const hid_t attr = a.attr, file_type = a.type;
    if (H5Tis_variable_str(file_type) > 0)
    {
        Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
        check(H5Tset_size(type, H5T_VARIABLE), "string type");
        check(H5Tset_cset(type, H5Tget_cset(file_type)), "string type");
        char* data = nullptr;
        check(H5Aread(attr, type, &data), name);
        std::string s = data ? data : "";
        H5free_memory(data);
        return s;
    }
    const std::size_t size = H5Tget_size(file_type);
    if (size == 0 || size > (1u << 24)) throw std::runtime_error(std::string("attribute ") + name + " is too long");
    Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
    check(H5Tset_size(type, size), "string type");
    check(H5Tset_cset(type, H5Tget_cset(file_type)), "string type");
    std::string s(size, '\0');
    check(H5Aread(attr, type, s.data()), name);
    s.resize(std::strlen(s.c_str()));
    return s;
}
}  // namespace zdscan::h5
