// `isartor embed`: prints sentence embeddings as JSON lines (one per text):
//   {"text": "...", "tokens": [101, ...], "embedding": [0.0123, ...]}
#pragma once

#include <CLI/CLI.hpp>

namespace isartor::embed {

// Registers the `embed` subcommand on `app`:
//   isartor embed [--model-dir DIR] [--stdin] TEXT...
// TEXT arguments come first, then (with --stdin) one text per line of standard input.
// Exit status via CLI::RuntimeError: 1 if the model cannot be loaded (the message, naming the
// file and problem, goes to stderr), 2 if no text was given.
void AddEmbedCommand(CLI::App& app);

}  // namespace isartor::embed
