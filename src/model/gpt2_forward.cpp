// GPT-2 forward pass: token + position embeddings, pre-norm layers, final LayerNorm, head.
#include "model/gpt2.hpp"

namespace slim {

void Gpt2Model::forward_batch(DecoderState& s, const BatchToken* batch, size_t n, float* logits_out,
                              ThreadPool& pool) const {
  ForwardPass fp(hp_.dims, s, batch, n, pool);
  const auto embd = static_cast<size_t>(hp_.dims.n_embd);
  fp.embed(w_.token_embd, s.x.data());
  fp.add_positions(w_.position_embd, 0, s.x.data(), s.xb.data());
  fp.mark(Op::kEmbed);
  for (size_t l = 0; l < w_.layers.size(); ++l) ln_decoder_layer(fp, hp_, w_.layers[l], l);
  const size_t n_out = fp.pack_wanted(s.x.data(), embd, s.xb.data(), [&](float* y, const float* x) {
    fp.K.layernorm(y, x, w_.output_norm.weight.data(), w_.output_norm.bias.data(), embd, hp_.eps);
  });
  if (n_out > 0) fp.mm(w_.output, s.xb.data(), logits_out, n_out);
  fp.mark(Op::kHead);
}

}  // namespace slim
