"""Local stand-ins for what tests must not reach: the gTTS endpoint, a web server with ranges."""
