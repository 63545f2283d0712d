"""The Gradio demo (runs inside the llama.cpp runtime env)."""
