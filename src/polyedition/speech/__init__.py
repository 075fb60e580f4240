"""Speech synthesis: the engine protocol, the engines (eSpeak NG, gTTS) and the lexicons."""
