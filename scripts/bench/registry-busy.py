#!/usr/bin/env python3
"""How long a process was busy while another one ran: the registry's side of a crawl.

    registry-busy.py REGISTRY_PID WHILE_PID

Reads the CPU time of REGISTRY_PID (all its threads, /proc/PID/stat) every 0.1 s for as long as
WHILE_PID lives, and prints the seconds during which the registry used at least 0.4 of a core,
that is, was answering requests (e.g. "33.0"). The registry only works while the crawl sends
requests, so the crawl stage's seconds minus these is the time the crawl kept the registry idle:
Spark work between the request waves. The kernel counts CPU time in ticks of 10 ms, so one 0.1 s sample holds at most 10
ticks per core; a busy registry (1.5-1.9 cores on 2) shows 15-19 ticks, an idle one 0-1.
"""
import os
import sys
import time

INTERVAL = 0.1
BUSY_CORES = 0.4


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: registry-busy.py REGISTRY_PID WHILE_PID")
    registry, watched = sys.argv[1], sys.argv[2]
    hz = os.sysconf("SC_CLK_TCK")
    last_ticks = cpu_ticks(registry)
    if last_ticks is None:
        sys.exit(f"registry-busy: no process {registry}")
    last_time = time.monotonic()
    busy = 0.0
    while os.path.exists(f"/proc/{watched}"):
        time.sleep(INTERVAL)
        now, ticks = time.monotonic(), cpu_ticks(registry)
        if ticks is None:
            break
        if (ticks - last_ticks) / hz >= BUSY_CORES * (now - last_time):
            busy += now - last_time
        last_time, last_ticks = now, ticks
    print(f"{busy:.1f}")


if __name__ == "__main__":
    main()
