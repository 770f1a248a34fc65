/** A `service.version` change seen in telemetry, written to `cost_event` as `kind=deploy`. */
export interface DeployEvent {
  service: string;
  env: string;
  team: string;
  version: string;
  previousVersion: string;
  /** Time of the first span of the new version, epoch ms. */
  timeMs: number;
}

/** The key deploys are tracked under: (service, environment). */
export function deployKey(service: string, env: string): string {
  return `${service}\u0000${env}`;
}

interface ServiceVersions {
  current: string;
  seen: Set<string>;
}

/**
 * Detects deploys from the `service.version` of incoming telemetry, per (service, environment).
 *
 * The first version seen for a service is its baseline, not a deploy. During a rolling deploy old and new
 * versions interleave; only a version never seen before is a deploy, so the rollout is reported once and
 * does not flap.
 */
export class DeployTracker {
  private readonly services = new Map<string, ServiceVersions>();

  /** Records a version; returns the deploy event when it is new for its service. */
  observe(
    service: string,
    env: string,
    version: string,
    team: string,
    timeMs: number,
    key = deployKey(service, env),
  ): DeployEvent | undefined {
    if (service === '' || version === '') return undefined;
    const known = this.services.get(key);
    if (known === undefined) {
      this.services.set(key, { current: version, seen: new Set([version]) });
      return undefined;
    }
    if (known.current === version || known.seen.has(version)) return undefined;
    const event: DeployEvent = { service, env, team, version, previousVersion: known.current, timeMs };
    known.seen.add(version);
    known.current = version;
    return event;
  }

  snapshot(): { key: string; current: string; seen: string[] }[] {
    return [...this.services].map(([key, v]) => ({ key, current: v.current, seen: [...v.seen] }));
  }

  restore(snapshot: ReturnType<DeployTracker['snapshot']>): void {
    for (const s of snapshot) this.services.set(s.key, { current: s.current, seen: new Set(s.seen) });
  }
}
