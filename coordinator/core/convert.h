// Store rows -> API messages.
#ifndef DEPTHLAB_COORDINATOR_CORE_CONVERT_H_
#define DEPTHLAB_COORDINATOR_CORE_CONVERT_H_

#include <vector>

#include "depthlab/v1/types.pb.h"
#include "store/curve_repository.h"
#include "store/influence_repository.h"
#include "store/stage_repository.h"
#include "store/sweep_repository.h"

namespace depthlab::core {

depthlab::v1::SweepState ToProto(store::RunState state);
absl::StatusOr<store::RunState> FromProto(depthlab::v1::SweepState state);
depthlab::v1::Sweep ToProto(const store::SweepRow& row,
                            const std::vector<store::StageProgress>& stages);
depthlab::v1::InfluenceEntry ToProto(const store::InfluenceRow& row);
depthlab::v1::CurvePoint ToProto(const store::CurvePoint& point, const std::string& model);

}  // namespace depthlab::core

#endif  // DEPTHLAB_COORDINATOR_CORE_CONVERT_H_
