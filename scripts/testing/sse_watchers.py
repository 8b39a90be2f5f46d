"""Opens N Server-Sent Events streams of one run at once and checks that every watcher receives every event.

Usage: sse_watchers.py URL TOKEN N. Prints one JSON line: watchers, events per watcher, whether all streams were
identical and complete (ids 1..n without gaps, then `end`), and the seconds from the first to the last `end`.
"""

import asyncio
import json
import sys
import time
from urllib.parse import urlparse

url, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
parts = urlparse(url)


async def watch():
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(
        (
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n"
            "Accept: text/event-stream\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    data = await asyncio.wait_for(reader.read(-1), timeout=600)
    writer.close()
    ended = time.monotonic()
    text = data.decode(errors="replace")
    ids = [int(line[4:]) for line in text.split("\n") if line.startswith("id: ")]
    return ids, "event: end" in text, ended


async def main():
    started = time.monotonic()
    results = await asyncio.gather(*(watch() for _ in range(count)))
    first = results[0][0]
    complete = all(ids == first and ended for ids, ended, _ in results) and first == list(range(1, len(first) + 1))
    ends = [end for _, _, end in results]
    print(
        json.dumps(
            {
                "watchers": count,
                "events": len(first),
                "all_complete_and_identical": complete,
                "end_spread_seconds": round(max(ends) - min(ends), 3),
                "total_seconds": round(max(ends) - started, 3),
            }
        )
    )
    sys.exit(0 if complete else 1)


asyncio.run(main())
