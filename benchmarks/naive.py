"""Issue 21's naive pipeline, as the one-process script a user would run: for each edition,
eSpeak NG says the narration's script (the same spoken text, each utterance followed by its
pause as silence), the edition's PCM is measured once with pyloudnorm, brought to -16 LUFS,
clipped at -1 dBFS and encoded by LAME at the narration's settings; then WeasyPrint makes the
edition's PDF. No cache, no workers, nothing written.

    python benchmarks/naive.py PROJECT

``build_speed.py`` times it as it times ``polyedition build``: the wall time of the command,
interpreter start-up and imports included. It prints, as JSON, the seconds of its work
(without start-up and imports) and each edition's narration CPU time (synthesis,
normalisation and encoding; not the PDF).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

NAIVE_LUFS = -16.0
NAIVE_CLIP_DBFS = -1.0


def main(project: Path) -> dict[str, object]:
    import numpy as np
    import pyloudnorm  # type: ignore[import-untyped]

    from polyedition.config import load_settings
    from polyedition.render.audio.codec import encode_mp3
    from polyedition.render.audio.narrate import spoken_script
    from polyedition.render.pdf import render_pdf
    from polyedition.site import load_site
    from polyedition.speech.registry import Engines

    started = time.perf_counter()
    settings = load_settings(project)
    site = load_site(settings)
    engines = Engines(voices_dir=settings.voices_dir)
    narration_cpu = {}
    for (_, lang), edition in site.editions.items():
        cpu = time.process_time()
        pieces, rate = [], 0
        for utterance, spoken in spoken_script(site, edition, engines=engines):
            choice = engines.choices(settings, utterance.lang)[0]
            said = choice.engine.synthesize(spoken.text, utterance.lang, choice.voice, choice.rate)
            rate = rate or said.sample_rate
            pieces += [said.pcm, bytes(2 * round(utterance.pause * said.sample_rate))]
        samples = np.frombuffer(b"".join(pieces), dtype="<i2") / 32768.0
        loudness = pyloudnorm.Meter(rate).integrated_loudness(samples)
        ceiling = 10 ** (NAIVE_CLIP_DBFS / 20)
        louder = np.clip(samples * 10 ** ((NAIVE_LUFS - loudness) / 20), -ceiling, ceiling)
        encode_mp3(np.round(louder * 32767).astype("<i2").tobytes(), rate)
        narration_cpu[lang] = time.process_time() - cpu
        render_pdf(site, edition)
    return {"seconds": time.perf_counter() - started, "narration_cpu": narration_cpu}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
