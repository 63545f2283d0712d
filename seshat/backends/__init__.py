"""Trainers as plug-ins behind one interface (base.Backend), each in its own folder and venv."""
