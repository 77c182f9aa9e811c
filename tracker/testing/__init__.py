"""Test doubles shipped with the tracker. Nothing here is imported by the product code."""
