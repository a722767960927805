# Question: Compute a centred 5-point moving median to remove spikes from a sensor series.
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

signal = np.array([10.1, 10.3, 10.2, 55.0, 10.4, 10.6, 10.5, 10.7, -20.0, 10.9, 11.0, 11.2, 11.1, 11.3])
windows = sliding_window_view(np.pad(signal, 2, mode="edge"), 5)
median = np.median(windows, axis=1)
mean = windows.mean(axis=1)
spikes = np.abs(signal - median) > 5
np.set_printoptions(precision=2, suppress=True)
print("raw:   ", signal)
print("median:", median)
print("mean:  ", mean)
print("Spike positions:", np.flatnonzero(spikes).tolist())
cleaned = np.where(spikes, median, signal)
print("Cleaned mean:", round(float(cleaned.mean()), 3))
