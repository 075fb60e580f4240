#!/usr/bin/env python3
"""Convert silero-stress's Russian accentor into polyedition's package data, once, at
development time: no PyTorch is needed to read the result.

Run it in a separate virtual environment that has PyTorch (CPU), silero-stress and onnx::

    python -m venv /tmp/silero && /tmp/silero/bin/pip install torch silero-stress onnx onnxruntime
    /tmp/silero/bin/python scripts/convert_silero_stress.py

silero-stress (MIT, https://github.com/snakers4/silero-stress) ships two models in one
``torch.package``; this script writes what each needs into ``src/polyedition/speech/accent/data``:

``ru_words.npz``
    The word accentor: a fastText-like bag of the word's character n-grams (126,523 n-grams,
    16 dimensions, stored as the int8 values silero ships with their scale and zero point),
    two small perceptrons (which vowel is stressed; which е is ё), and silero's exception list
    (word → stress and ё positions). polyedition runs it with numpy: it is a table look-up and
    four matrix products, so ONNX would add nothing but a session.
``ru_homographs.onnx``
    The homograph solver: a 3-layer BERT (312 dimensions, 83,830 word pieces; the embedding
    table stays int8) and its classifier, exported to ONNX with an attention mask, so that
    every occurrence is resolved as if alone (silero pads without a mask in a batch).
``ru_homographs.json.gz``
    The solver's word pieces, its homographs and their variants, and silero's fixed phrases
    (regular expressions that settle a homograph before the model).
``LICENSE-silero-stress.txt``
    Silero's MIT notice, which must travel with the data.

The script checks its own result against silero on sample sentences before it writes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

DATA = Path(__file__).resolve().parent.parent / "src" / "polyedition" / "speech" / "accent" / "data"
MAX_POSITIONS = 512
"""Positions kept of BERT's 2,048: the solver reads 150 characters either side of a word."""

SAMPLES = [
    "Меня зовут Лева Королев. Я из готов. И я уже готов открыть все ваши замки!",
    "Стоит задаться вопросом, сколько стоит свобода для этой страны.",
    "Обе стороны заявили, что права человека важнее, а ее слова все еще звучат.",
    "Жители страны ждут перемен; страны Европы ведут переговоры.",
    "Заключенных освободили, он ведет переговоры и остается в тюрьме за решеткой.",
]


def _linears(sequential: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    layers = []
    for name, module in sequential.named_children():
        if hasattr(module, "weight") and name.isdigit():
            layers.append(
                (
                    module.weight.detach().numpy().astype(np.float32),
                    module.bias.detach().numpy().astype(np.float32),
                )
            )
    return layers


def words_table(accentor: Any) -> dict[str, np.ndarray]:
    """The word accentor's arrays for ``numpy.savez_compressed``."""
    model = accentor.model
    scale, zero = float(model.scale), float(model.zero_point)
    weight = model.embedding.weight.detach().numpy()
    quantized = np.round(weight / scale + zero)
    assert np.abs(quantized - (weight / scale + zero)).max() < 1e-3, "not int8 values"
    assert quantized.min() >= -128 and quantized.max() <= 127
    grams = [""] * weight.shape[0]
    for gram, index in model.embedding.ngram_dict.items():
        grams[index] = gram
    assert all("\n" not in gram for gram in grams)
    exceptions = "".join(
        f"{word}\t{stress}\t{yo}\n" for word, (stress, yo) in sorted(accentor.exceptions.items())
    )
    arrays: dict[str, np.ndarray] = {
        "embedding": quantized.astype(np.int8),
        "scale": np.float32(scale),
        "zero_point": np.float32(zero),
        "ngrams": np.frombuffer("\n".join(grams).encode(), dtype=np.uint8),
        "exceptions": np.frombuffer(exceptions.encode(), dtype=np.uint8),
    }
    for head in ("stress", "yo"):
        for number, (w, b) in enumerate(_linears(getattr(model, f"{head}_clf"))):
            arrays[f"{head}_w{number}"] = w
            arrays[f"{head}_b{number}"] = b
    return arrays


class _Bert(nn.Module):
    """BERT as silero's solver runs it, with an attention mask, and its classifier head."""

    def __init__(self, solver: Any) -> None:
        super().__init__()
        bert = solver.model.bert
        state = {k: v.detach().clone() for k, v in solver.model.state_dict().items()}
        words = state["bert.embeddings.word_embeddings.weight"]
        self.scale, self.zero = float(bert.scale), float(bert.zero_point)
        quantized = torch.round(words / self.scale + self.zero)
        assert (quantized - (words / self.scale + self.zero)).abs().max() < 1e-3
        self.register_buffer("words_q", quantized.to(torch.int8))
        self.register_buffer(
            "positions", state["bert.embeddings.position_embeddings.weight"][:MAX_POSITIONS]
        )
        self.register_buffer("token_type", state["bert.embeddings.token_type_embeddings.weight"][0])
        self.state = state
        self.layers = 3
        self.heads = 12
        self.head_size = 26

    def _p(self, name: str) -> torch.Tensor:
        return self.state[name]

    def _ln(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return nn.functional.layer_norm(
            x, (312,), self._p(f"{name}.weight"), self._p(f"{name}.bias"), 1e-12
        )

    def _dense(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return x @ self._p(f"{name}.weight").T + self._p(f"{name}.bias")

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        marker: torch.Tensor,
        word_mask: torch.Tensor,
    ) -> torch.Tensor:
        batch, length = input_ids.shape
        words = (self.words_q[input_ids].to(torch.float32) - self.zero) * self.scale
        x = words + self.positions[:length].unsqueeze(0) + self.token_type
        x = self._ln(x, "bert.embeddings.LayerNorm")
        bias = (1.0 - attention_mask)[:, None, None, :] * torch.finfo(torch.float32).min
        for n in range(self.layers):
            prefix = f"bert.encoder.layer.{n}"

            def heads(t: torch.Tensor) -> torch.Tensor:
                return t.view(batch, length, self.heads, self.head_size).transpose(1, 2)

            q = heads(self._dense(x, f"{prefix}.attention.self.query"))
            k = heads(self._dense(x, f"{prefix}.attention.self.key"))
            v = heads(self._dense(x, f"{prefix}.attention.self.value"))
            scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_size) + bias
            context = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(batch, length, -1)
            attended = self._dense(context, f"{prefix}.attention.output.dense")
            x = self._ln(attended + x, f"{prefix}.attention.output.LayerNorm")
            inner = nn.functional.gelu(self._dense(x, f"{prefix}.intermediate.dense"))
            x = self._ln(
                self._dense(inner, f"{prefix}.output.dense") + x, f"{prefix}.output.LayerNorm"
            )
        marker_emb = (x * marker.unsqueeze(-1)).sum(1)
        word_emb = (x * word_mask.unsqueeze(-1)).sum(1) / word_mask.sum(1, keepdim=True)
        hidden = torch.relu(self._dense(torch.cat([marker_emb, word_emb], dim=1), "homo_clf.0"))
        return self._dense(hidden, "homo_clf.3").squeeze(-1)


def export_solver(solver: Any, path: Path) -> None:
    model = _Bert(solver).eval()
    ids = torch.tensor([solver.tokenizer("Это [HOMO] стоит [/HOMO] денег.")])
    start = int((ids[0] == solver.tokenizer.homo_start_id).nonzero()[0])
    end = int((ids[0] == solver.tokenizer.homo_end_id).nonzero()[0])
    marker = torch.zeros(ids.shape)
    marker[0, start] = 1
    word_mask = torch.zeros(ids.shape)
    word_mask[0, start + 1 : end] = 1
    mask = torch.ones(ids.shape)
    with torch.no_grad():
        ours = model(ids, mask, marker, word_mask)
        theirs = solver.model(ids, torch.tensor([start]), torch.tensor([end])).squeeze(-1)
    assert torch.allclose(ours, theirs, atol=1e-4), (ours, theirs)
    torch.onnx.export(
        model,
        (ids, mask, marker, word_mask),
        str(path),
        input_names=["input_ids", "attention_mask", "marker", "word_mask"],
        output_names=["logits"],
        dynamic_axes={
            name: {0: "batch", 1: "length"}
            for name in ("input_ids", "attention_mask", "marker", "word_mask")
        }
        | {"logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def solver_tables(solver: Any) -> dict[str, Any]:
    tokenizer = solver.tokenizer
    vocab = [""] * (max(tokenizer.vocab.values()) + 1)
    for token, index in tokenizer.vocab.items():
        vocab[index] = token
    return {
        "source": "silero-stress 1.5 (MIT), Silero Team",
        "vocab": vocab,
        "special": {
            "unk": tokenizer.unk_token_id,
            "cls": tokenizer.cls_token_id,
            "sep": tokenizer.sep_token_id,
            "pad": tokenizer.pad_token_id,
            "homo_start": tokenizer.homo_start_id,
            "homo_end": tokenizer.homo_end_id,
        },
        "homographs": {
            word: sorted(variants) for word, variants in sorted(solver.homodict.items())
        },
        "phrases": {
            word: _phrases(word, pattern.pattern)
            for word, pattern in sorted(solver.compiled_phrases.items())
        },
    }


_BEFORE = r"(?<![а-яА-ЯёЁ\-])(?:"
_AFTER = r")(?![а-яА-ЯёЁ\-]))"


def _phrases(word: str, pattern: str) -> list[tuple[str, list[str]]]:
    """silero's fixed phrases of a homograph, taken back out of the regular expression it
    compiles them into (one named group per variant, its phrases longest first), so that
    polyedition finds them as plain strings; checked by building the expression again."""
    assert pattern.startswith("(?P<") and pattern.endswith(_AFTER), word
    variants = []
    for part in pattern[4 : -len(_AFTER)].split(_AFTER + "|(?P<"):
        name, rest = part.split(">", 1)
        assert rest.startswith(_BEFORE), word
        escaped = re.split(r"(?<!\\)\|", rest[len(_BEFORE) :])
        variants.append((name, [re.sub(r"\\(.)", r"\1", phrase) for phrase in escaped]))
    rebuilt = "|".join(
        f"(?P<{name}>{_BEFORE}{'|'.join(map(re.escape, phrases))}{_AFTER}"
        for name, phrases in variants
    )
    assert rebuilt == pattern, word
    return variants


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA)
    parser.add_argument(
        "--tables-only",
        action="store_true",
        help="write the word accentor and the solver's tables, not its ONNX model",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    from silero_stress import load_accentor

    silero = load_accentor("ru")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "ru_words.npz", **words_table(silero.accentor))
    if not args.tables_only:
        export_solver(silero.homosolver, out / "ru_homographs.onnx")
    with gzip.GzipFile(out / "ru_homographs.json.gz", "wb", mtime=0) as handle:
        handle.write(json.dumps(solver_tables(silero.homosolver), ensure_ascii=False).encode())
    text = metadata.distribution("silero-stress").read_text("licenses/LICENSE") or ""
    assert "MIT License" in text
    (out / "LICENSE-silero-stress.txt").write_text(
        "The files ru_words.npz, ru_homographs.onnx and ru_homographs.json.gz are converted\n"
        "by scripts/convert_silero_stress.py from silero-stress 1.5\n"
        "(https://github.com/snakers4/silero-stress), published under this licence:\n\n" + text,
        encoding="utf-8",
    )
    for sample in SAMPLES:
        print(silero(sample))
    for path in sorted(out.iterdir()):
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
