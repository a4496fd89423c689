"""Mailings: delegates' portal links by e-mail or on printed letters, and the delivery log."""
