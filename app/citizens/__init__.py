"""The citizen's half: the public portal (catalogue, online submission), the look-up page behind
the receipt's QR code, online payment and rating."""
