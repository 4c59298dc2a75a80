//===- World.cpp - The ranks a training program runs on -------------------===//
#include "runtime/train/World.h"

#include "runtime/comm/CurrentCommunicator.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace starch::rt {

bool launchedByMpi() {
  // OpenMPI's mpirun, PMI/PMIx launchers (srun, hydra).
  for (const char *name :
       {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
    if (std::getenv(name))
      return true;
  return false;
}

TrainWorld::TrainWorld(int &argc, char **&argv, const ProgramSpec &spec,
                       std::chrono::milliseconds commTimeout) {
  int64_t wanted = spec.ranks();
  if (!launchedByMpi()) {
    if (wanted > 1)
      throw std::runtime_error(
          "this program was compiled for " + std::to_string(wanted) +
          " ranks: launch it with mpirun -np " + std::to_string(wanted) +
          " (or srun)");
    return;
  }
  mpi_ = std::make_unique<MpiWorld>(argc, argv, commTimeout);
  rank_ = mpi_->rank();
  size_ = mpi_->size();
  if (size_ != wanted)
    mpi_->abort("this program was compiled for " + std::to_string(wanted) +
                    " rank" + (wanted == 1 ? "" : "s") + " (model.json "
                    "parallel) but runs on " + std::to_string(size_),
                2);
  setCurrentCommunicator(mpi_.get(), /*everyThread=*/true);
}

TrainWorld::~TrainWorld() {
  if (mpi_)
    setCurrentCommunicator(nullptr, /*everyThread=*/true);
}

void TrainWorld::abort(const std::string &reason, int exitCode) {
  if (mpi_ && size_ > 1)
    mpi_->abort(reason, exitCode);
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n", reason.c_str());
  std::exit(exitCode);
}

} // namespace starch::rt
