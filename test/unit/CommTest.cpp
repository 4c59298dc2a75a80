//===- CommTest.cpp - The in-process communicator -------------------------===//
#include "TestUtil.h"

#include "runtime/comm/LocalWorld.h"

using namespace starch::rt;
using namespace starch::rt::test;

TEST(LocalWorld, SendRecvInOrderPerTag) {
  LocalWorld world(2);
  Status s = world.run([](int rank, Communicator &comm) {
    if (rank == 0) {
      Tensor t = make(DType::f32, {2}, {1, 2});
      if (Status st = comm.send(t, 1, 7); !st)
        return st;
      t.data<float>()[0] = 99; // the receiver got a copy
      if (Status st = comm.send(make(DType::f32, {1}, {3}), 1, 7); !st)
        return st;
      return comm.send(make(DType::i64, {1}, {5}), 1, 8);
    }
    Tensor a, b, c;
    if (Status st = comm.recv(c, 0, 8); !st) // tags are separate streams
      return st;
    if (Status st = comm.recv(a, 0, 7); !st)
      return st;
    if (Status st = comm.recv(b, 0, 7); !st)
      return st;
    EXPECT_EQ(values(a), (std::vector<double>{1, 2}));
    EXPECT_EQ(values(b), (std::vector<double>{3}));
    EXPECT_EQ(values(c), (std::vector<double>{5}));
    return Status::success();
  });
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(LocalWorld, Collectives) {
  LocalWorld world(4);
  Status s = world.run([](int rank, Communicator &comm) {
    EXPECT_EQ(comm.size(), 4);
    EXPECT_EQ(comm.rank(), rank);
    Tensor mine = make(DType::f32, {2}, {double(rank), double(10 * rank)});
    Tensor sum, max, gathered, scattered;
    if (Status st = comm.allReduce(mine, CollectiveOp::sum, sum); !st)
      return st;
    EXPECT_EQ(values(sum), (std::vector<double>{6, 60}));
    if (Status st = comm.allReduce(mine, CollectiveOp::max, max); !st)
      return st;
    EXPECT_EQ(values(max), (std::vector<double>{3, 30}));
    if (Status st = comm.allGather(mine.reshaped({1, 2}), 0, gathered); !st)
      return st;
    EXPECT_EQ(gathered.shape(), (Shape{4, 2}));
    EXPECT_EQ(values(gathered),
              (std::vector<double>{0, 0, 1, 10, 2, 20, 3, 30}));
    Tensor row = make(DType::f64, {4}, {1, 2, 3, 4});
    if (Status st = comm.reduceScatter(row, 0, CollectiveOp::sum, scattered);
        !st)
      return st;
    EXPECT_EQ(values(scattered), (std::vector<double>{4.0 * (rank + 1)}));
    Tensor root = rank == 2 ? make(DType::i32, {1}, {42}) : Tensor();
    if (Status st = comm.broadcast(root, 2); !st)
      return st;
    EXPECT_EQ(values(root), (std::vector<double>{42}));
    return comm.barrier();
  });
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(LocalWorld, SubgroupsRunIndependently) {
  LocalWorld world(4);
  Status s = world.run([](int rank, Communicator &comm) {
    RankGroup group = rank % 2 ? RankGroup{1, 3} : RankGroup{0, 2};
    Tensor out;
    for (int step = 0; step < 3; ++step) {
      Tensor mine = make(DType::i64, {1}, {double(rank + step)});
      if (Status st = comm.allReduce(mine, CollectiveOp::sum, out, group); !st)
        return st;
      double expected = rank % 2 ? 4 + 2 * step : 2 + 2 * step;
      EXPECT_EQ(values(out), (std::vector<double>{expected}));
    }
    return Status::success();
  });
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(LocalWorld, FailureOfOneRankReleasesTheOthers) {
  LocalWorld world(3);
  Status s = world.run([](int rank, Communicator &comm) {
    if (rank == 1)
      return Status::error("boom");
    Tensor out;
    return comm.allReduce(make(DType::f32, {1}, {1}), CollectiveOp::sum, out);
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "rank 1: boom");
}

TEST(LocalWorld, MissingPeerTimesOut) {
  LocalWorld world(2, std::chrono::milliseconds(50));
  Status s = world.run([](int rank, Communicator &comm) {
    if (rank == 0)
      return Status::success();
    Tensor t;
    return comm.recv(t, 0, 0);
  });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("timed out"), std::string::npos);
}

TEST(LocalWorld, MismatchedShapesAreAnError) {
  LocalWorld world(2);
  Status s = world.run([](int rank, Communicator &comm) {
    Tensor out;
    return comm.allReduce(Tensor(DType::f32, {Shape::value_type(rank + 1)}),
                          CollectiveOp::sum, out);
  });
  EXPECT_FALSE(s.ok());
}
