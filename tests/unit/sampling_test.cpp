// Sampling chain and its counter-based RNG, against independent references: Random123's
// Philox known-answer vectors and the numpy reference tests/ref/sampling_ref.py (fixture
// tests/data/sampling/distributions.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sampling/rng.hpp"
#include "sampling/sampler.hpp"

namespace slim {
namespace {

// ---------------------------------------------------------------------------------------------
// RNG

// Random123 tests/kat_vectors, the three "philox4x32 10" lines (counter, key -> output).
TEST(SamplingRng, Philox4x32_10KnownAnswers) {
  struct Kat {
    PhiloxCounter ctr;
    PhiloxKey key;
    PhiloxCounter want;
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) EXPECT_EQ(philox4x32_10(k.ctr, k.key), k.want);
}

TEST(SamplingRng, CounterLayoutAndUniformFromTop24Bits) {
  // seed -> key (low word first), draw -> counter words 0/1, stream -> word 2.
  const uint64_t seed = 0x299f31d0a4093822ull;
  const CounterRng rng(seed, 0x13198a2e);
  // Counter (0x243f6a88, 0x85a308d3, stream, 0) is the third KAT minus word 3.
  const PhiloxCounter block = rng.block(0x85a308d3243f6a88ull);
  EXPECT_EQ(block,
            philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0}, {0xa4093822, 0x299f31d0}));

  EXPECT_EQ(uniform_from_bits(0), 0.0f);
  EXPECT_EQ(uniform_from_bits(0xff), 0.0f);
  EXPECT_EQ(uniform_from_bits(0x100), 1.0f / 16777216.0f);
  EXPECT_EQ(uniform_from_bits(0xffffffff), 1.0f - 1.0f / 16777216.0f);
  EXPECT_LT(uniform_from_bits(0xffffffff), 1.0f);
  EXPECT_EQ(CounterRng(0).uniform(0), uniform_from_bits(0x6627e8d5));  // first KAT, word 0
}

TEST(SamplingRng, PureFunctionOfSeedAndDraw) {
  const CounterRng a(7), b(7), c(8);
  for (uint64_t k : {0ull, 1ull, 2ull, 1000ull, 0xffffffffull, 0x100000000ull}) {
    EXPECT_EQ(a.block(k), b.block(k));
    EXPECT_NE(a.block(k), c.block(k));
  }
  // Querying out of order changes nothing.
  const float late = a.uniform(5);
  (void)a.uniform(1);
  EXPECT_EQ(a.uniform(5), late);
  EXPECT_NE(a.block(0x100000000ull), a.block(0));  // the counter's high word is used
}

TEST(SamplingRng, UniformMeanAndRange) {
  const CounterRng rng(12345);
  double sum = 0.0;
  const int n = 100000;
  for (int k = 0; k < n; ++k) {
    const float u = rng.uniform(static_cast<uint64_t>(k));
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  // Mean of U[0,1) has sd 1/sqrt(12 n) ~ 0.0009; 5 sd.
  EXPECT_NEAR(sum / n, 0.5, 0.0046);
}

// ---------------------------------------------------------------------------------------------
// Parameter validation

Status validate_with(void (*edit)(SamplingParams&)) {
  SamplingParams p;
  edit(p);
  return validate(p);
}

TEST(SamplingParamsValidate, DefaultsAndNeutralValuesAreValid) {
  EXPECT_TRUE(validate(SamplingParams{}).is_ok());
  SamplingParams neutral;
  neutral.temperature = 1.0f;
  neutral.top_k = 0;
  neutral.top_p = 1.0f;
  neutral.min_p = 0.0f;
  neutral.repeat_last_n = 0;
  neutral.stop = {"\n\n", "User:"};
  EXPECT_TRUE(validate(neutral).is_ok());
  EXPECT_TRUE(validate_with([](SamplingParams& p) { p.temperature = 0.0f; }).is_ok());
  EXPECT_TRUE(validate_with([](SamplingParams& p) { p.temperature = -1.0f; }).is_ok());
  EXPECT_TRUE(validate_with([](SamplingParams& p) { p.top_p = 0.0f; }).is_ok());
  EXPECT_TRUE(validate_with([](SamplingParams& p) { p.min_p = 1.0f; }).is_ok());
  EXPECT_TRUE(validate_with([](SamplingParams& p) { p.repeat_last_n = -1; }).is_ok());
  EXPECT_TRUE(validate_with([](SamplingParams& p) { p.frequency_penalty = -2.0f; }).is_ok());
}

TEST(SamplingParamsValidate, RejectsBadValuesWithClearMessages) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  struct Bad {
    SamplingParams p;
    const char* field;
  };
  std::vector<Bad> bad;
  auto add = [&](const char* field, auto edit) {
    SamplingParams p;
    edit(p);
    bad.push_back({p, field});
  };
  add("temperature", [&](SamplingParams& p) { p.temperature = nan; });
  add("temperature", [&](SamplingParams& p) { p.temperature = inf; });
  add("top_k", [](SamplingParams& p) { p.top_k = -1; });
  add("top_p", [](SamplingParams& p) { p.top_p = -0.1f; });
  add("top_p", [](SamplingParams& p) { p.top_p = 1.5f; });
  add("top_p", [&](SamplingParams& p) { p.top_p = nan; });
  add("min_p", [](SamplingParams& p) { p.min_p = -0.01f; });
  add("min_p", [](SamplingParams& p) { p.min_p = 1.01f; });
  add("min_p", [&](SamplingParams& p) { p.min_p = nan; });
  add("repeat_penalty", [](SamplingParams& p) { p.repeat_penalty = 0.0f; });
  add("repeat_penalty", [](SamplingParams& p) { p.repeat_penalty = -1.0f; });
  add("repeat_penalty", [&](SamplingParams& p) { p.repeat_penalty = nan; });
  add("repeat_penalty", [&](SamplingParams& p) { p.repeat_penalty = inf; });
  add("repeat_last_n", [](SamplingParams& p) { p.repeat_last_n = -2; });
  add("frequency_penalty", [&](SamplingParams& p) { p.frequency_penalty = nan; });
  add("presence_penalty", [&](SamplingParams& p) { p.presence_penalty = -inf; });
  add("stop[1]", [](SamplingParams& p) { p.stop = {"ok", ""}; });
  add("stop[0]", [](SamplingParams& p) { p.stop = {std::string(kMaxStopStringLength + 1, 'x')}; });
  add("stop strings", [](SamplingParams& p) { p.stop.assign(kMaxStopStrings + 1, "x"); });
  for (const Bad& b : bad) {
    const Status s = validate(b.p);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << b.field;
    EXPECT_NE(s.message().find(b.field), std::string::npos) << s.message();
    // Sampler::create validates too.
    EXPECT_FALSE(Sampler::create(b.p, 10).is_ok()) << b.field;
  }
}

TEST(SamplingParamsValidate, CreateRejectsBadVocabSize) {
  for (int32_t v : {0, -5}) {
    const auto r = Sampler::create(SamplingParams{}, v);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("vocab_size"), std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------
// Against the numpy reference

struct RefCase {
  std::string name;
  SamplingParams params;
  std::vector<float> logits;
  std::vector<int32_t> history;
  std::vector<TokenProbability> expect;
  struct Draws {
    uint64_t seed;
    std::vector<int32_t> tokens;
  };
  std::vector<Draws> draws;
};

float parse_float(const std::string& s) {
  return std::strtof(s.c_str(), nullptr);
}

std::vector<RefCase> load_ref_cases() {
  const std::string path = std::string(SLIM_TEST_DATA_DIR) + "/sampling/distributions.txt";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<RefCase> cases;
  std::string line;
  RefCase cur;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    std::string t;
    size_t n = 0;
    if (tag == "case") {
      cur = RefCase{};
      ls >> cur.name;
    } else if (tag == "params") {
      std::string temp, top_p, min_p, rp, freq, pres;
      ls >> temp >> cur.params.top_k >> top_p >> min_p >> rp >> cur.params.repeat_last_n >> freq >>
          pres;
      cur.params.temperature = parse_float(temp);
      cur.params.top_p = parse_float(top_p);
      cur.params.min_p = parse_float(min_p);
      cur.params.repeat_penalty = parse_float(rp);
      cur.params.frequency_penalty = parse_float(freq);
      cur.params.presence_penalty = parse_float(pres);
    } else if (tag == "logits") {
      ls >> n;
      for (size_t i = 0; i < n && ls >> t; ++i) cur.logits.push_back(parse_float(t));
    } else if (tag == "history") {
      ls >> n;
      int32_t id = 0;
      for (size_t i = 0; i < n && ls >> id; ++i) cur.history.push_back(id);
    } else if (tag == "expect") {
      ls >> n;
      TokenProbability tp;
      for (size_t i = 0; i < n && ls >> tp.id >> tp.probability; ++i) cur.expect.push_back(tp);
    } else if (tag == "draws") {
      RefCase::Draws d{};
      ls >> d.seed >> n;
      int32_t id = 0;
      for (size_t i = 0; i < n && ls >> id; ++i) d.tokens.push_back(id);
      cur.draws.push_back(d);
    } else if (tag == "end") {
      cases.push_back(cur);
    }
  }
  return cases;
}

TEST(SamplingReference, FixtureLoads) {
  const auto cases = load_ref_cases();
  EXPECT_GE(cases.size(), 20u);
  for (const RefCase& c : cases) {
    EXPECT_FALSE(c.logits.empty()) << c.name;
    EXPECT_FALSE(c.expect.empty()) << c.name;
    EXPECT_EQ(c.draws.size(), 3u) << c.name;
  }
}

TEST(SamplingReference, DistributionsMatchNumpyReference) {
  for (const RefCase& c : load_ref_cases()) {
    SCOPED_TRACE(c.name);
    auto sampler = Sampler::create(c.params, static_cast<int32_t>(c.logits.size()));
    ASSERT_TRUE(sampler.is_ok()) << sampler.status().to_string();
    const auto got = sampler->probabilities(c.logits.data(), c.history);
    ASSERT_EQ(got.size(), c.expect.size());

    std::map<int32_t, double> want;
    for (const auto& e : c.expect) want[e.id] = e.probability;
    double sum = 0.0;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(want.count(got[i].id), 1u) << "unexpected candidate " << got[i].id;
      EXPECT_NEAR(got[i].probability, want[got[i].id], 1e-6) << "token " << got[i].id;
      if (i > 0) {
        EXPECT_GE(got[i - 1].probability, got[i].probability);
      }
      sum += got[i].probability;
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
    EXPECT_EQ(sampler->draw_index(), 0u);  // probabilities() does not draw
  }
}

TEST(SamplingReference, DrawnTokensMatchNumpyReference) {
  // Pins the cross-machine contract: draw k of seed s is Philox(counter k, key s), mapped to
  // the candidate list in (probability desc, id asc) order by inverse CDF.
  for (const RefCase& c : load_ref_cases()) {
    for (const auto& d : c.draws) {
      SCOPED_TRACE(c.name + " seed " + std::to_string(d.seed));
      SamplingParams p = c.params;
      p.seed = d.seed;
      auto sampler = Sampler::create(p, static_cast<int32_t>(c.logits.size()));
      ASSERT_TRUE(sampler.is_ok());
      std::vector<int32_t> got;
      for (size_t k = 0; k < d.tokens.size(); ++k) {
        got.push_back(sampler->sample(c.logits.data(), c.history));
      }
      EXPECT_EQ(got, d.tokens);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Behaviour

SamplingParams neutral_params() {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  return p;
}

TEST(SamplingSampler, GreedyIsArgmaxWithLowestIdOnTies) {
  SamplingParams p;
  p.temperature = 0.0f;
  auto s = Sampler::create(p, 6);
  ASSERT_TRUE(s.is_ok());
  const std::vector<float> a = {0.1f, 3.0f, -1.0f, 3.0f, 2.9f, 3.0f};
  EXPECT_EQ(s->sample(a.data(), {}), 1);
  const std::vector<float> b = {5.0f, 5.0f, 5.0f, 5.0f, 5.0f, 5.0f};
  EXPECT_EQ(s->sample(b.data(), {}), 0);
  const std::vector<float> c = {-2.0f, -1.0f, -3.0f, -1.0f, -7.0f, -1.5f};
  EXPECT_EQ(s->sample(c.data(), {}), 1);
  EXPECT_EQ(s->draw_index(), 3u);
  const auto probs = s->probabilities(a.data(), {});
  ASSERT_EQ(probs.size(), 1u);
  EXPECT_EQ(probs[0].id, 1);
  EXPECT_EQ(probs[0].probability, 1.0);

  // Greedy sees the penalised logits: token 1 repeated loses to token 3.
  SamplingParams q = p;
  q.repeat_penalty = 1.5f;
  auto t = Sampler::create(q, 6);
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->sample(a.data(), {1}), 3);
  EXPECT_EQ(t->sample(a.data(), {1, 3}), 5);
}

TEST(SamplingSampler, NanAndInfinityNeverCrash) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (float temperature : {0.0f, 0.8f}) {
    SamplingParams p;
    p.temperature = temperature;
    p.repeat_penalty = 1.2f;
    p.frequency_penalty = -3.0e38f;  // pushes -inf logits through -inf - (-inf) = NaN
    auto s = Sampler::create(p, 4);
    ASSERT_TRUE(s.is_ok());
    const std::vector<float> all_nan = {nan, nan, nan, nan};
    const std::vector<float> all_neg_inf = {-inf, -inf, nan, -inf};
    EXPECT_EQ(s->sample(all_nan.data(), {}), 0);
    EXPECT_EQ(s->sample(all_neg_inf.data(), {0, 1, 2, 3}), 0) << temperature;
    EXPECT_EQ(s->sample(nullptr, {}), 0);
    const std::vector<float> one_inf = {1.0f, nan, inf, -inf};
    EXPECT_EQ(s->sample(one_inf.data(), {}), 2);
    const std::vector<float> huge = {3.0e38f, -3.0e38f, 3.0e38f, 0.0f};
    const int32_t got = s->sample(huge.data(), {1, 1, 1});
    EXPECT_TRUE(got == 0 || got == 2 || got == 1) << got;  // token 1 is penalised towards +inf
    for (const auto& tp : s->probabilities(huge.data(), {})) {
      EXPECT_TRUE(std::isfinite(tp.probability));
    }
  }
}

TEST(SamplingSampler, SameSeedSameTokensDifferentSeedsDiffer) {
  std::vector<float> logits(50);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i)) * 0.5f;
  auto run = [&](uint64_t seed) {
    SamplingParams p = neutral_params();
    p.seed = seed;
    p.repeat_penalty = 1.1f;
    auto s = Sampler::create(p, static_cast<int32_t>(logits.size()));
    EXPECT_TRUE(s.is_ok());
    std::vector<int32_t> history = {1, 2, 3};
    for (int i = 0; i < 64; ++i) history.push_back(s->sample(logits.data(), history));
    return history;
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_EQ(run(0xDEADBEEFull << 32), run(0xDEADBEEFull << 32));
  EXPECT_NE(run(1), run(2));
  EXPECT_NE(run(1), run(1ull << 32));  // the seed's high word matters

  // reset() restarts the request: the same tokens again.
  SamplingParams p = neutral_params();
  p.seed = 99;
  auto s = Sampler::create(p, static_cast<int32_t>(logits.size()));
  ASSERT_TRUE(s.is_ok());
  std::vector<int32_t> first, second;
  for (int i = 0; i < 20; ++i) first.push_back(s->sample(logits.data(), {}));
  s->reset();
  EXPECT_EQ(s->draw_index(), 0u);
  for (int i = 0; i < 20; ++i) second.push_back(s->sample(logits.data(), {}));
  EXPECT_EQ(first, second);
}

TEST(SamplingSampler, EmpiricalFrequenciesMatchDistribution) {
  // Defaults (top-k 40, top-p 0.95, min-p 0.05, T 0.8) over a 12-token vocabulary.
  const std::vector<float> logits = {1.2f, 0.4f,  2.0f, -0.3f, 1.9f,  0.0f,
                                     0.8f, -1.0f, 1.5f, 0.1f,  -2.0f, 1.0f};
  SamplingParams p;
  p.seed = 2024;
  auto s = Sampler::create(p, static_cast<int32_t>(logits.size()));
  ASSERT_TRUE(s.is_ok());
  const auto dist = s->probabilities(logits.data(), {});
  ASSERT_GE(dist.size(), 4u);
  std::map<int32_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[s->sample(logits.data(), {})];

  double chi2 = 0.0;
  int seen = 0;
  for (const auto& tp : dist) {
    const double expected = tp.probability * n;
    const double diff = counts[tp.id] - expected;
    chi2 += diff * diff / expected;
    seen += counts[tp.id];
  }
  EXPECT_EQ(seen, n) << "drew a token outside the filtered set";
  // df = |dist| - 1 <= 11; the 0.999 quantile of chi2(11) is 31.3.
  EXPECT_LT(chi2, 31.3) << "df " << dist.size() - 1;
}

TEST(SamplingSampler, PenaltiesUseOnlyTheWindowAndValidIds) {
  const std::vector<float> logits = {2.0f, -1.0f, 0.5f, 0.5f};
  SamplingParams p = neutral_params();
  p.temperature = 0.0f;
  p.repeat_penalty = 4.0f;
  p.repeat_last_n = 2;
  auto s = Sampler::create(p, 4);
  ASSERT_TRUE(s.is_ok());
  // Token 0 (2.0 -> 0.5 if penalised) lies outside the 2-token window: still wins.
  EXPECT_EQ(s->sample(logits.data(), {0, 2, 3}), 0);
  // Inside the window: 0.5 ties with untouched token 3 (0.5), lowest id wins.
  EXPECT_EQ(s->sample(logits.data(), {2, 0}), 0);
  // Out-of-range history ids are ignored.
  EXPECT_EQ(s->sample(logits.data(), {-1, 4, 1000000}), 0);
  // Negative logits are multiplied: token 1 goes from -1 to -4.
  SamplingParams q = neutral_params();
  q.repeat_penalty = 4.0f;
  auto t = Sampler::create(q, 4);
  ASSERT_TRUE(t.is_ok());
  const std::vector<float> flat = {0.0f, -1.0f, -1.0f, -1.0f};
  const auto probs = t->probabilities(flat.data(), {1});
  ASSERT_EQ(probs.size(), 4u);
  EXPECT_EQ(probs.back().id, 1);
  EXPECT_NEAR(probs.back().probability / probs[1].probability, std::exp(-3.0), 1e-6);
}

TEST(SamplingSampler, TopKSelectsLowestIdsAmongTiesWithoutFullSort) {
  // A large vocabulary of equal logits: top-k must keep ids 0..k-1.
  std::vector<float> logits(100000, 1.0f);
  logits[77777] = 1.5f;
  SamplingParams p = neutral_params();
  p.top_k = 5;
  auto s = Sampler::create(p, static_cast<int32_t>(logits.size()));
  ASSERT_TRUE(s.is_ok());
  const auto probs = s->probabilities(logits.data(), {});
  ASSERT_EQ(probs.size(), 5u);
  EXPECT_EQ(probs[0].id, 77777);
  for (int i = 1; i < 5; ++i) EXPECT_EQ(probs[static_cast<size_t>(i)].id, i - 1);
}

}  // namespace
}  // namespace slim
