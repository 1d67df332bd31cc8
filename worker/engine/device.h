// The libtorch device a --device value names. Internal to worker/engine: headers included from
// outside must not include libtorch (tests/layering_test).
#ifndef DEPTHLAB_WORKER_ENGINE_DEVICE_H_
#define DEPTHLAB_WORKER_ENGINE_DEVICE_H_

#include <c10/core/Device.h>

#include <string>

#include "absl/status/statusor.h"

namespace depthlab::engine {

// "auto" (CUDA when this libtorch has a device, else CPU), "cpu" or "cuda". FailedPrecondition
// for "cuda" without a device, InvalidArgument for any other name.
absl::StatusOr<at::Device> ChooseDevice(const std::string& name);

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_DEVICE_H_
