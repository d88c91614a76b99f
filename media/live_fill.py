"""Stand-in media for a publisher that sends one kind only (a screen share without sound, a
voice-only stream): every rung still carries H.264 video and AAC audio, as its CODECS say,
and a publisher that comes back with both kinds continues the same playlists."""
from __future__ import annotations

import av
import numpy as np

FILL_FPS = 15  # a still picture needs few frames; parts (0.2 s) still get three


def black_video(width: int, height: int) -> av.VideoFrame:
    img = np.empty((height * 3 // 2, width), np.uint8)
    img[:height] = 16  # video-range black
    img[height:] = 128
    return av.VideoFrame.from_ndarray(img, format="yuv420p")


def silent_audio(samples: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(np.zeros((2, samples), np.float32), format="fltp",
                                       layout="stereo")
    return frame
