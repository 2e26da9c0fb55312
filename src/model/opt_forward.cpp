// OPT forward pass: word embedding (projected in if narrower), positions at offset 2, layers,
// optional final LayerNorm, optional projection out, head.
#include <algorithm>

#include "model/opt.hpp"

namespace slim {

void OptModel::forward_batch(DecoderState& s, const BatchToken* batch, size_t n, float* logits_out,
                             ThreadPool& pool) const {
  ForwardPass fp(hp_.dims, s, batch, n, pool);
  const auto embd = static_cast<size_t>(hp_.dims.n_embd);
  // Rows of word_embed_proj_dim: s.io when narrower/wider than n_embd, else free buffers.
  float* const io_in = s.io.empty() ? s.xb.data() : s.io.data();
  float* const io_out = s.io.empty() ? s.att_out.data() : s.io.data();
  if (w_.project_in.data != nullptr) {
    fp.embed(w_.token_embd, io_in);
    fp.mm(w_.project_in, io_in, s.x.data());
  } else {
    fp.embed(w_.token_embd, s.x.data());
  }
  fp.add_positions(w_.position_embd, kOptPositionOffset, s.x.data(), s.xb.data());
  fp.mark(Op::kEmbed);
  for (size_t l = 0; l < w_.layers.size(); ++l) ln_decoder_layer(fp, hp_, w_.layers[l], l);
  const size_t n_out = fp.pack_wanted(s.x.data(), embd, s.xb.data(), [&](float* y, const float* x) {
    if (w_.output_norm.present()) {
      fp.K.layernorm(y, x, w_.output_norm.weight.data(), w_.output_norm.bias.data(), embd, hp_.eps);
    } else {
      std::copy(x, x + embd, y);
    }
  });
  if (n_out > 0) {
    const float* head_in = s.xb.data();
    if (w_.project_out.data != nullptr) {
      fp.mm(w_.project_out, s.xb.data(), io_out, n_out);
      head_in = io_out;
    }
    fp.mm(w_.output, head_in, logits_out, n_out);
  }
  fp.mark(Op::kHead);
}

}  // namespace slim
