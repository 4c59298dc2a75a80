//===- World.h - The ranks a training program runs on -----------*- C++ -*-===//
//
// A program compiled for N data-parallel replicas (ProgramSpec::dataParallel)
// runs as N processes under mpirun (or srun); one compiled for one rank runs
// alone and never touches MPI. The world owns the MpiWorld, makes it the
// communicator of the collective kernels, and knows which rank speaks for
// the job (progress, loss log, checkpoints: rank 0).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_WORLD_H
#define STARCH_RUNTIME_TRAIN_WORLD_H

#include "runtime/comm/MpiWorld.h"
#include "runtime/train/Program.h"

#include <memory>
#include <string>

namespace starch::rt {

class TrainWorld {
public:
  /// Joins the job the process was launched in. Throws std::runtime_error
  /// when the launch does not match the program (N ranks compiled, M
  /// launched; or N > 1 started without mpirun).
  /// `commTimeout` bounds every wait for a peer (MpiWorld's watchdog).
  TrainWorld(int &argc, char **&argv, const ProgramSpec &spec,
             std::chrono::milliseconds commTimeout = std::chrono::seconds(60));
  ~TrainWorld();

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// The rank that prints and writes for the job.
  bool isRoot() const { return rank_ == 0; }
  bool isDistributed() const { return size_ > 1; }
  /// Ends every rank with `reason` (a single process just reports it).
  [[noreturn]] void abort(const std::string &reason, int exitCode);

private:
  std::unique_ptr<MpiWorld> mpi_;
  int rank_ = 0, size_ = 1;
};

/// True when an MPI launcher (mpirun, srun) started this process.
bool launchedByMpi();

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_WORLD_H
