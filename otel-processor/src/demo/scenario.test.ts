import {
  HOUR,
  MIN,
  RUNAWAY_SERVICE,
  RUNAWAY_SPANS_PER_MINUTE,
  STACK_FIRST_RELEASE_MS,
  STACK_RUNAWAY_MS,
  minuteSpans,
  replayStart,
  stackRelease,
  stackReleaseIndex,
  stackTimeline,
  stackVersions,
  storyAt,
  timelineSpans,
  type StackSchedule,
} from './scenario';

describe('stack mode', () => {
  it('continues the releases after the highest 1.5.<n> InfluxDB holds, or starts with 1.4.2 → 1.5.0', () => {
    expect(stackVersions([])).toEqual({ baselineVersion: '1.4.2', firstPatch: 0 });
    expect(stackVersions(['1.4.2'])).toEqual({ baselineVersion: '1.4.2', firstPatch: 0 });
    expect(stackVersions(['1.4.2', '1.5.0', '1.5.10', '1.5.3', '1.5.x', '2.0.1'])).toEqual({
      baselineVersion: '1.5.10',
      firstPatch: 11,
    });
  });

  // 12:00:30 UTC on a Wednesday: the first release at 12:00:40, the next ones an hour apart.
  const s: StackSchedule = {
    startMs: Date.UTC(2026, 10, 25, 12, 0, 30),
    baselineVersion: '1.4.2',
    firstPatch: 0,
  };
  const t = stackTimeline(s);
  const deploy0 = s.startMs + STACK_FIRST_RELEASE_MS;

  it('releases checkout 10 s in and every hour after, each a new version that runs away for 20 minutes', () => {
    expect(stackRelease(s, 0)).toEqual({
      index: 0,
      version: '1.5.0',
      previousVersion: '1.4.2',
      deployMs: deploy0,
      runawayUntilMs: deploy0 + STACK_RUNAWAY_MS,
    });
    expect(stackRelease(s, 2)).toMatchObject({
      version: '1.5.2',
      previousVersion: '1.5.1',
      deployMs: deploy0 + 2 * HOUR,
    });
    expect(
      [deploy0 - 1, deploy0, deploy0 + HOUR - 1, deploy0 + HOUR].map((ms) => stackReleaseIndex(s, ms)),
    ).toEqual([-1, 0, 0, 1]);
    expect([deploy0 - 1, deploy0, deploy0 + HOUR].map((ms) => t.version(RUNAWAY_SERVICE, ms))).toEqual([
      '1.4.2',
      '1.5.0',
      '1.5.1',
    ]);
    expect(t.version('search', deploy0)).toBe('2.0.1');
    expect(
      [deploy0 - 1, deploy0, deploy0 + STACK_RUNAWAY_MS - 1, deploy0 + STACK_RUNAWAY_MS, deploy0 + HOUR].map(
        t.runaway,
      ),
    ).toEqual([false, true, true, false, true]);
  });

  it('sends the unowned service from the start and the runaway only while it runs', () => {
    const minute = (m: number) => timelineSpans(t, m);
    const first = minute(s.startMs - 30_000); // 12:00: the release at 12:00:40
    expect(first.some((x) => x.role === 'unowned')).toBe(true);
    const runaway = first.filter((x) => x.role === 'runaway');
    expect(runaway.length).toBe(20); // 12:00:40 … 12:00:59.5
    expect(runaway.every((x) => x.endMs >= deploy0 && x.version === '1.5.0')).toBe(true);
    const checkout = first.filter((x) => x.service === RUNAWAY_SERVICE && x.role === 'ordinary');
    expect(new Set(checkout.map((x) => (x.endMs < deploy0 ? '1.4.2' : '1.5.0')))).toEqual(
      new Set(checkout.map((x) => x.version)),
    );
    expect(minute(s.startMs - 30_000 + 10 * MIN).filter((x) => x.role === 'runaway')).toHaveLength(
      RUNAWAY_SPANS_PER_MINUTE,
    );
    expect(minute(s.startMs - 30_000 + 40 * MIN).filter((x) => x.role === 'runaway')).toHaveLength(0);
  });
});

it('the story timeline gives the story’s spans: the deploy, the new service and the runaway from their minutes', () => {
  const replayFromMs = replayStart(Date.UTC(2026, 10, 25, 15, 7, 30));
  const story = storyAt(replayFromMs, replayFromMs + 45 * MIN);
  const before = minuteSpans(story, story.deployMs - MIN);
  expect(before.every((x) => x.role === 'ordinary')).toBe(true);
  const late = minuteSpans(story, story.runawayMs);
  expect(late.filter((x) => x.role === 'runaway')).toHaveLength(RUNAWAY_SPANS_PER_MINUTE);
  expect(late.some((x) => x.role === 'unowned')).toBe(true);
  expect(new Set(late.filter((x) => x.service === RUNAWAY_SERVICE).map((x) => x.version))).toEqual(
    new Set(['1.5.0']),
  );
});
