// An engine-owned pool of worker threads, passed down explicitly (never global).
// run() executes a job on every thread (the caller is thread 0) and returns when all
// are done. Work is split statically by the job itself (see split_range), so which
// thread computes an output element never changes how that element is reduced:
// results are bit-identical for any thread count.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace slim {

class ThreadPool {
 public:
  // fn(thread_index, n_threads)
  using Job = std::function<void(int, int)>;

  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }
  // Runs job on all threads and waits. Not re-entrant; call from one thread at a time.
  void run(const Job& job);
  // Runs job on the calling thread only, as thread 0 of 1 (for work too small to share).
  static void run_inline(const Job& job) { job(0, 1); }

  // Number of threads to use when the caller asked for 0 ("auto").
  static int default_threads();

 private:
  void worker(int index);

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<const Job*> job_{nullptr};
  std::atomic<uint64_t> generation_{0};  // bumped once per run()
  std::atomic<int> pending_{0};          // workers still running the current job
  std::atomic<int> sleepers_{0};         // workers blocked on cv_
  std::atomic<bool> stop_{false};
};

// The [begin, end) slice of n items that thread `index` of `count` owns.
inline void split_range(size_t n, int index, int count, size_t* begin, size_t* end) {
  const size_t per = n / static_cast<size_t>(count);
  const size_t rem = n % static_cast<size_t>(count);
  const auto i = static_cast<size_t>(index);
  *begin = i * per + (i < rem ? i : rem);
  *end = *begin + per + (i < rem ? 1 : 0);
}

}  // namespace slim
