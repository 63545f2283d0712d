"""The record schema (:class:`Segment`) and its JSONL storage."""
