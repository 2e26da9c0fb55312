#include "bench.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "kernels/kernels.hpp"
#include "slim/session.hpp"

namespace slim::toolkit {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double peak_rss_mb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

int32_t argmax(const float* v, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i) best = v[i] > v[best] ? i : best;
  return best;
}

// Deterministic pseudo-random prompt ids avoiding the first few (special) tokens.
std::vector<int32_t> make_prompt(int32_t n, int32_t n_vocab, int32_t bos) {
  std::vector<int32_t> ids;
  uint64_t s = 12345;
  if (bos >= 0) ids.push_back(bos);
  while (static_cast<int32_t>(ids.size()) < n) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const int32_t lo = std::min<int32_t>(n_vocab - 1, 259);
    ids.push_back(lo + static_cast<int32_t>((s >> 33) % static_cast<uint64_t>(n_vocab - lo)));
  }
  return ids;
}

// Sums thread t's slice of buf (n bytes, a multiple of step) with the kernel table's probe.
uint64_t read_slice(const uint8_t* buf, size_t n, size_t step, int t, int threads) {
  const size_t steps = n / step;
  const size_t begin = steps * static_cast<size_t>(t) / static_cast<size_t>(threads) * step;
  const size_t end = steps * static_cast<size_t>(t + 1) / static_cast<size_t>(threads) * step;
  return kernels::active().read_sum(buf + begin, end - begin);
}

}  // namespace

uint64_t weight_bytes_per_token(const Model& model) {
  uint64_t total = 0;
  bool has_output = false;
  uint64_t embd_bytes = 0;
  for (const TensorSummary& t : model.tensors()) {
    if (t.name == "token_embd.weight") {
      embd_bytes = t.bytes;
      continue;
    }
    if (t.name == "output.weight") has_output = true;
    total += t.bytes;
  }
  return has_output ? total : total + embd_bytes;
}

double measure_read_bandwidth(int threads, size_t buffer_bytes) {
  // The kernel table's read_sum (widest loads, prefetch like the matrix products), threads started
  // before the clock and released together: the probe must read at least as fast as the kernels
  // can, or "% of roof" is not a roof.
  constexpr size_t kStep = 256;
  const size_t n = std::max(buffer_bytes / kStep, size_t{1}) * kStep;
  auto* buf = static_cast<uint8_t*>(std::aligned_alloc(64, n));
  if (buf == nullptr) return 0;
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = i;
    std::memcpy(buf + i, &v, 8);
  }
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<uint64_t> sums(static_cast<size_t>(threads));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) {
      pool.emplace_back([&, t] {
        ready.fetch_add(1);
        while (!go.load(std::memory_order_acquire)) {
        }
        sums[static_cast<size_t>(t)] = read_slice(buf, n, kStep, t, threads);
      });
    }
    while (ready.load() != threads - 1) {
    }
    const auto t0 = Clock::now();
    go.store(true, std::memory_order_release);
    sums[0] = read_slice(buf, n, kStep, 0, threads);
    for (std::thread& th : pool) th.join();
    const double s = seconds_since(t0);
    volatile uint64_t sink = 0;
    for (uint64_t v : sums) sink = sink + v;
    best = std::max(best, static_cast<double>(n) / s / 1e9);
  }
  std::free(buf);
  return best;
}

Result<std::vector<BenchResult>> run_bench(const std::shared_ptr<const Model>& model,
                                           const BenchOptions& o) {
  if (o.n_prompt < 1 || o.n_decode < 1)
    return invalid_argument("bench: -p and -n must be at least 1");
  if (o.threads.empty()) return invalid_argument("bench: no thread counts");
  const ModelInfo& info = model->info();
  const std::vector<int32_t> prompt = make_prompt(o.n_prompt, info.n_vocab, info.bos_id);
  std::vector<BenchResult> results;
  for (int threads : o.threads) {
    if (threads < 1 || threads > 256)
      return invalid_argument("bench: thread counts must be in 1..256");
    SessionParams sp;
    sp.n_threads = threads;
    sp.n_ctx = o.n_prompt + o.n_decode + 1;
    sp.n_batch = std::min(o.n_prompt, 512);
    sp.q8_0_float_activations = o.q8_0_float_activations;
    SLIM_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::create(model, sp));
    BenchResult r;
    r.threads = threads;
    for (int rep = 0; rep < std::max(1, o.repetitions); ++rep) {
      session->reset();
      auto t0 = Clock::now();
      SLIM_TRY(session->eval(prompt));
      const double prompt_s = seconds_since(t0);
      int32_t next = argmax(session->logits(), session->n_vocab());
      const double ttft_ms = seconds_since(t0) * 1000.0;
      session->set_profiling(o.profile);
      t0 = Clock::now();
      for (int32_t i = 0; i < o.n_decode; ++i) {
        SLIM_TRY(session->eval({next}));
        next = argmax(session->logits(), session->n_vocab());
      }
      const double decode_s = seconds_since(t0);
      r.prompt_tokens_per_s = std::max(r.prompt_tokens_per_s, o.n_prompt / prompt_s);
      r.decode_tokens_per_s = std::max(r.decode_tokens_per_s, o.n_decode / decode_s);
      r.ttft_ms = rep == 0 ? ttft_ms : std::min(r.ttft_ms, ttft_ms);
      if (o.profile) {
        r.decode_op_ms.clear();
        for (const auto& [name, sec] : session->op_seconds())
          r.decode_op_ms.emplace_back(name, sec * 1000.0 / o.n_decode);
        session->set_profiling(false);
      }
    }
    r.peak_rss_mb = peak_rss_mb();
    results.push_back(r);
  }
  // Bandwidth last, so its buffer does not count in the model's peak RSS.
  const double bytes = static_cast<double>(weight_bytes_per_token(*model));
  // The probe reads as many bytes as a decode step does, so caches help it exactly as much; past
  // 512 MiB no cache helps either, and a bigger buffer would only cost memory next to the model.
  const size_t probe_bytes =
      std::clamp<size_t>(static_cast<size_t>(bytes), size_t{32} << 20, size_t{512} << 20);
  for (BenchResult& r : results) {
    r.bandwidth_gb_s = measure_read_bandwidth(r.threads, probe_bytes);
    r.roof_tokens_per_s = r.bandwidth_gb_s * 1e9 / bytes;
    r.percent_of_roof = 100.0 * r.decode_tokens_per_s / r.roof_tokens_per_s;
  }
  return results;
}

}  // namespace slim::toolkit
