#!/usr/bin/env python3
"""make_data_cases.py EXAMPLE_DIR OUT: bad (and good) inputs for starch-data,
made with the standard library from a shipped example (docs/examples/tiny-*).

OUT/model.json        the example's model.json with absolute paths and no
                      data.manifest
OUT/good.jsonl        the example's manifest with absolute media paths
OUT/<case>.jsonl      good.jsonl with one line broken (line 3 unless said):
  placeholders        one placeholder token too few
  two_files           two files for an encoder with one slot
  unknown_key         a misspelt key ("image" instead of the encoder name)
  out_of_vocab        a token id equal to the vocabulary size
  short               the first line cut to 40 tokens (valid with --pad-token)
  corrupt_image       line 3's image replaced by a truncated PNG
  rate                line 3's audio replaced by an 8 kHz WAV
  stereo              line 3's audio replaced by a stereo WAV
"""
import json
import os
import struct
import sys
import wave

example, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
model = json.load(open(os.path.join(example, "model.json")))
model.pop("data", None)


def absolute(path):
    return os.path.normpath(os.path.join(os.path.abspath(example), path))


model["llm"]["onnx"] = absolute(model["llm"]["onnx"])
model["llm"]["weights"] = absolute(model["llm"]["weights"])
for encoder in model.get("encoders", []):
    for key in ("onnx", "weights"):
        encoder[key] = absolute(encoder[key])
    encoder["projector"]["weights"] = absolute(encoder["projector"]["weights"])
json.dump(model, open(os.path.join(out, "model.json"), "w"), indent=1)

encoders = {e["name"]: e for e in model.get("encoders", [])}
lines = [json.loads(line) for line in open(os.path.join(example, "train.jsonl"))
         if line.strip()]
for line in lines:
    for name in encoders:
        if name in line:
            line[name] = [absolute(p) for p in line[name]]


def write(name, rows):
    with open(os.path.join(out, name + ".jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def with_line(index, change):
    rows = json.loads(json.dumps(lines))
    change(rows[index])
    return rows


def has(name):
    return lambda row: bool(row.get(name))


write("good", lines)
first = next(iter(encoders))
# Line 3 (index 2) must use the first encoder for the cases below.
index = next(i for i, row in enumerate(lines) if has(first)(row))
placeholder = encoders[first]["placeholder_token"]


def drop_placeholder(row):
    row["tokens"][row["tokens"].index(placeholder)] = 5
write("placeholders", with_line(index, drop_placeholder))
write("two_files", with_line(index, lambda row: row[first].append(row[first][0])))
write("unknown_key", with_line(index, lambda row: row.update(image=row.pop(first))))
write("out_of_vocab", with_line(index, lambda row: row["tokens"].__setitem__(0, 128)))
write("short", with_line(0, lambda row: (row.update(tokens=row["tokens"][:40]),
                                         row.update(labels=row["labels"][:40]))))

for name, encoder in encoders.items():
    if encoder["modality"] == "image":
        png = open(absolute("../media/images/gradient_32x32.png"), "rb").read()
        open(os.path.join(out, "corrupt.png"), "wb").write(png[:len(png) // 2])
        write("corrupt_image", with_line(index, lambda row: row.update(
            {name: [os.path.join(out, "corrupt.png")]})))
    if encoder["modality"] == "audio":
        audio_line = next(i for i, row in enumerate(lines) if has(name)(row))
        for case, rate, channels in (("rate", 8000, 1), ("stereo", 16000, 2)):
            path = os.path.join(out, case + ".wav")
            with wave.open(path, "wb") as w:
                w.setnchannels(channels)
                w.setsampwidth(2)
                w.setframerate(rate)
                w.writeframes(struct.pack("<%dh" % (800 * channels),
                                          *([1000] * 800 * channels)))
            write(case, with_line(audio_line,
                                  lambda row, path=path: row.update({name: [path]})))
