"""Seshat: teach a multilingual LLM an endangered, low-resource language.

Seshat prepares corpora, renders backend configs (Axolotl, LLaMA-Factory) for a hardware profile,
runs the backends in their own environments, and evaluates and exports the result. It never owns a
training loop. Importing this package stays light: no torch, transformers or backend.
"""

__version__ = "0.1.0"
