#!/usr/bin/env python3
"""Rewrites a Hugging Face folder's model.safetensors as pytorch_model.bin (torch.save's zip +
pickle format, written with the stdlib stand-ins of make_torch_fixtures.py: no torch needed),
then removes model.safetensors, so the folder holds the same weights in PyTorch's format.
Usage: /usr/bin/python3 tests/ref/hf_to_torch.py DIR
"""
import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_io import read_safetensors  # noqa: E402
import make_torch_fixtures as tf  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    a = ap.parse_args()
    st = os.path.join(a.dir, "model.safetensors")
    weights = read_safetensors(st)
    items = []
    for name, arr in weights.items():
        storage = tf.Storage("F32", arr.reshape(-1))
        items.append((name, tf.Parameter(tf.Tensor(storage, 0, arr.shape))))
    pkl, storages = tf.torch_pickle(collections.OrderedDict(items))
    tf.write_zip(os.path.join(a.dir, "pytorch_model.bin"), tf.torch_zip_entries(pkl, storages))
    os.remove(st)


if __name__ == "__main__":
    main()
