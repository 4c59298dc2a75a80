//===- MpiWorldTest.cpp - MpiWorld against LocalWorld under mpirun --------===//
//
//   mpirun -np N starch-mpi-tests collectives
//       Every rank runs one script of point-to-point transfers and
//       collectives (whole world, ordered subgroups, every op and element
//       type, several axes) through MpiWorld, then the same script for all
//       N ranks in-process through LocalWorld, and checks that its results
//       are bit-identical. Exit 0 when they are.
//   mpirun -np 2 starch-mpi-tests hang
//       Rank 1 never joins an all-reduce; rank 0's watchdog (a 2 s timeout)
//       must end the job with a message naming the operation and rank 1.
//
//===----------------------------------------------------------------------===//
#include "runtime/comm/LocalWorld.h"
#include "runtime/comm/MpiWorld.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace starch::rt;

namespace {

/// Deterministic values of `rank` for a tensor of `shape`.
Tensor values(DType dtype, Shape shape, int rank, int salt) {
  Tensor t = Tensor::uninitialized(dtype, shape);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    // Spread over signs and magnitudes so summation order would show.
    double v = ((rank * 7919 + salt * 104729 + i * 31) % 2001 - 1000) /
               (1.0 + (i % 7) * 13.7);
    if (dtype == DType::f32)
      t.data<float>()[i] = static_cast<float>(v * 1e-3 + 1e3 * (i % 3));
    else if (dtype == DType::f64)
      t.data<double>()[i] = v;
    else if (dtype == DType::i64)
      t.data<int64_t>()[i] = static_cast<int64_t>(v * 1000);
    else if (dtype == DType::i32)
      t.data<int32_t>()[i] = static_cast<int32_t>(v);
  }
  return t;
}

#define CHECK(call)                                                            \
  do {                                                                         \
    if (Status s_ = (call); !s_)                                               \
      return s_;                                                               \
  } while (0)

/// The script every rank runs; its results, in order.
Status script(Communicator &comm, std::vector<Tensor> &results) {
  int rank = comm.rank(), size = comm.size();
  auto keep = [&](Tensor t) { results.push_back(std::move(t)); };
  // Point to point: a ring, two tags, out-of-order receives.
  int next = (rank + 1) % size, previous = (rank + size - 1) % size;
  CHECK(comm.send(values(DType::f32, {3, 5}, rank, 1), next, 4));
  CHECK(comm.send(values(DType::i64, {7}, rank, 2), next, 9));
  Tensor a, b;
  CHECK(comm.recv(b, previous, 9));
  CHECK(comm.recv(a, previous, 4));
  keep(a);
  keep(b);
  // Whole-world collectives, every op and several element types.
  for (DType dtype : {DType::f32, DType::f64, DType::i64, DType::i32})
    for (CollectiveOp op :
         {CollectiveOp::sum, CollectiveOp::max, CollectiveOp::min}) {
      Tensor out;
      CHECK(comm.allReduce(values(dtype, {4, 6}, rank, int(op)), op, out));
      keep(out);
    }
  // A scalar (a loss) and an empty tensor: messages without shape or data.
  for (const Shape &shape : {Shape{}, Shape{0, 3}}) {
    Tensor out;
    CHECK(comm.allReduce(values(DType::f32, shape, rank, 11), CollectiveOp::sum,
                         out));
    keep(out);
  }
  for (int64_t axis : {0, 1, 2}) {
    Tensor out;
    CHECK(comm.allGather(values(DType::f32, {2, 3, 2}, rank, 5), axis, out));
    keep(out);
  }
  {
    Tensor out;
    CHECK(comm.reduceScatter(values(DType::f32, {3, 2 * size}, rank, 6), 1,
                             CollectiveOp::sum, out));
    keep(out);
  }
  {
    Tensor t = rank == size - 1 ? values(DType::f32, {5}, rank, 7) : Tensor();
    CHECK(comm.broadcast(t, size - 1));
    keep(t);
  }
  CHECK(comm.barrier());
  // Subgroups in a non-sorted order: the result follows the group order.
  if (size >= 3) {
    RankGroup odd{size - 1, 0, 1};
    if (std::find(odd.begin(), odd.end(), rank) != odd.end()) {
      Tensor out;
      CHECK(comm.allReduce(values(DType::f32, {9}, rank, 8),
                           CollectiveOp::sum, out, odd));
      keep(out);
      CHECK(comm.allGather(values(DType::i32, {2, 2}, rank, 9), 1, out, odd));
      keep(out);
      Tensor t = rank == 0 ? values(DType::f64, {2}, rank, 10) : Tensor();
      CHECK(comm.broadcast(t, 0, odd));
      keep(t);
    }
  }
  return Status::success();
}

bool sameBits(const Tensor &x, const Tensor &y) {
  return x.dtype() == y.dtype() && x.shape() == y.shape() &&
         (x.byteSize() == 0 ||
          std::memcmp(x.bytes(), y.bytes(), x.byteSize()) == 0);
}

int collectives(MpiWorld &world) {
  std::vector<Tensor> mine;
  if (Status s = script(world, mine); !s)
    world.abort(s.message());
  // The same script, every rank a thread of this process.
  LocalWorld local(world.size());
  std::vector<std::vector<Tensor>> expected(world.size());
  if (Status s = local.run([&](int rank, Communicator &comm) {
        return script(comm, expected[rank]);
      });
      !s)
    world.abort("LocalWorld: " + s.message());
  const std::vector<Tensor> &want = expected[world.rank()];
  if (want.size() != mine.size())
    world.abort("MpiWorld gave " + std::to_string(mine.size()) +
                " results, LocalWorld " + std::to_string(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    if (!sameBits(mine[i], want[i]))
      world.abort("result " + std::to_string(i) + " differs from LocalWorld's");
  if (Status s = world.barrier(); !s)
    world.abort(s.message());
  std::printf("rank %d: %zu results bit-identical to LocalWorld with %d ranks\n",
              world.rank(), mine.size(), world.size());
  return 0;
}

int hang(MpiWorld &world) {
  if (world.rank() == 1) {
    // A hung peer: never joins, until the job is ended around it.
    std::this_thread::sleep_for(std::chrono::seconds(60));
    return 0;
  }
  Tensor out;
  if (Status s = world.allReduce(values(DType::f32, {4}, 0, 0),
                                 CollectiveOp::sum, out, {0, 1});
      !s)
    world.abort(s.message(), 3);
  std::printf("rank 0: the all-reduce completed without rank 1\n");
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  MpiWorld world(argc, argv,
                 mode == "hang" ? std::chrono::seconds(2)
                                : std::chrono::seconds(60));
  if (mode == "collectives")
    return collectives(world);
  if (mode == "hang")
    return hang(world);
  std::fprintf(stderr, "usage: starch-mpi-tests collectives|hang\n");
  return 2;
}
