//===- Parallel.cpp - CPU work partitioning over a small pool -------------===//
#include "runtime/kernels/Parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace starch::rt {
namespace {

/// One parallelFor call: chunks are claimed by atomic increment, so the
/// caller and any number of workers can share it.
struct Job {
  const std::function<void(int64_t, int64_t)> *body;
  int64_t count, chunk, chunkCount;
  std::atomic<int64_t> next{0}, done{0};
};

thread_local bool insidePool = false;

class ThreadPool {
public:
  explicit ThreadPool(int threads) {
    for (int i = 1; i < threads; ++i)
      workers_.emplace_back([this] { workerLoop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread &worker : workers_)
      worker.join();
  }

  void run(const std::shared_ptr<Job> &job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(job);
    }
    wake_.notify_all();
    runChunks(*job);
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [&] { return job->done == job->chunkCount; });
    auto it = std::find(queue_.begin(), queue_.end(), job);
    if (it != queue_.end())
      queue_.erase(it);
  }

private:
  void runChunks(Job &job) {
    bool wasInside = insidePool;
    insidePool = true;
    for (int64_t c; (c = job.next++) < job.chunkCount;) {
      int64_t begin = c * job.chunk;
      (*job.body)(begin, std::min(job.count, begin + job.chunk));
      if (++job.done == job.chunkCount) {
        std::lock_guard<std::mutex> lock(mutex_);
        finished_.notify_all();
      }
    }
    insidePool = wasInside;
  }

  void workerLoop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_)
        return;
      std::shared_ptr<Job> job = queue_.front();
      if (job->next >= job->chunkCount) {
        queue_.pop_front();
        continue;
      }
      lock.unlock();
      runChunks(*job);
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

int defaultThreads() {
  if (const char *env = std::getenv("OMP_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0)
      return n;
  }
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware ? static_cast<int>(hardware) : 1;
}

std::mutex poolMutex;
int threadCount = 0;
std::shared_ptr<ThreadPool> pool;

std::shared_ptr<ThreadPool> currentPool(int &threads) {
  std::lock_guard<std::mutex> lock(poolMutex);
  if (threadCount <= 0)
    threadCount = defaultThreads();
  threads = threadCount;
  if (!pool && threadCount > 1)
    pool = std::make_shared<ThreadPool>(threadCount);
  return pool;
}

} // namespace

int numThreads() {
  int threads;
  currentPool(threads);
  return threads;
}

void setNumThreads(int n) {
  std::shared_ptr<ThreadPool> old;
  {
    std::lock_guard<std::mutex> lock(poolMutex);
    threadCount = n > 0 ? n : defaultThreads();
    old = std::move(pool);
  }
}

void parallelFor(int64_t count, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &body) {
  if (count <= 0)
    return;
  grain = std::max<int64_t>(grain, 1);
  int threads;
  std::shared_ptr<ThreadPool> shared = currentPool(threads);
  int64_t chunks = std::min<int64_t>((count + grain - 1) / grain,
                                     static_cast<int64_t>(threads) * 4);
  if (!shared || insidePool || chunks <= 1) {
    body(0, count);
    return;
  }
  auto job = std::make_shared<Job>();
  job->body = &body;
  job->count = count;
  job->chunk = (count + chunks - 1) / chunks;
  job->chunkCount = (count + job->chunk - 1) / job->chunk;
  shared->run(job);
}

} // namespace starch::rt
