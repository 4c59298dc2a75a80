//===- MpiWorld.h - Ranks as MPI processes ----------------------*- C++ -*-===//
//
// The Communicator of a program launched with `mpirun -np N` (or srun): one
// process per rank, MPI underneath. Results are bit-identical to LocalWorld's
// (the in-process world of `starch-run --ranks N`): every collective moves
// each member's tensor to every member and combines them with the shared
// arithmetic of Collectives.h, in group order.
//
// Every wait is bounded (the watchdog): MPI calls are non-blocking and
// polled until `timeout`, so a dead or hung peer gives an error naming this
// rank, the operation and the peers that never answered, instead of a hang.
// The caller ends the job then (abort()).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_COMM_MPIWORLD_H
#define STARCH_RUNTIME_COMM_MPIWORLD_H

#include "runtime/comm/ExchangeCommunicator.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace starch::rt {

class MpiWorld : public ExchangeCommunicator {
public:
  /// Initialises MPI (once per process; a process started without mpirun is
  /// a world of one rank).
  MpiWorld(int &argc, char **&argv,
           std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~MpiWorld() override;
  MpiWorld(const MpiWorld &) = delete;
  MpiWorld &operator=(const MpiWorld &) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::chrono::milliseconds timeout() const override { return timeout_; }

  Status send(const Tensor &tensor, int destination, int tag = 0) override;
  Status recv(Tensor &out, int source, int tag = 0) override;

  /// Ends every rank of the job with `reason` on stderr (MPI_Abort).
  [[noreturn]] void abort(const std::string &reason, int exitCode = 1);

protected:
  /// Messages to and from every member, with the watchdog's deadline.
  Status exchange(const char *what, const RankGroup &group,
                  const Tensor &input, std::vector<Tensor> &parts,
                  int &index, RankGroup &members) override;

private:
  struct Impl;

  int rank_ = 0, size_ = 1;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Impl> impl_;
};

} // namespace starch::rt

#endif // STARCH_RUNTIME_COMM_MPIWORLD_H
