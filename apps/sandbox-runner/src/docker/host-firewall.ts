import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EngineError } from '../errors.js';

const run = promisify(execFile);

/** What an instance network may reach on the host: the binding gateway's port, nothing else. */
export interface HostOpening {
  /** The bridge's own address on the host (the network's gateway IP). */
  address: string;
  port: number;
}

/**
 * Instance networks are internal bridges: no route out of the host and no traffic between
 * containers. What a container can still reach is the host itself through the bridge's address —
 * every host service listening on 0.0.0.0 (Postgres, Redis, the API). These iptables rules close
 * that: packets from the bridge to the host are accepted only as replies to connections the host
 * opened (the runner's proxy and readiness probes) or to the binding gateway's port; everything
 * else is refused with a reset, so an app fails fast instead of hanging.
 *
 * The rules live in a chain of their own per bridge (`KILN-br-…`), jumped to from INPUT, rebuilt
 * idempotently whenever the runner starts or creates the network.
 */
export class HostFirewall {
  constructor(private readonly enabled: boolean) {}

  static chainOf(bridge: string): string {
    return `KILN-${bridge}`.slice(0, 28);
  }

  async isolate(bridge: string, opening: HostOpening | undefined): Promise<void> {
    if (!this.enabled) return;
    const chain = HostFirewall.chainOf(bridge);
    try {
      await iptables('-N', chain).catch((err: unknown) => {
        if (!/already exists/i.test(stderrOf(err))) throw err;
      });
      await iptables('-F', chain);
      await iptables('-A', chain, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
      if (opening)
        await iptables(
          '-A',
          chain,
          '-p',
          'tcp',
          '-d',
          opening.address,
          '--dport',
          String(opening.port),
          '-j',
          'ACCEPT',
        );
      await iptables('-A', chain, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset');
      await iptables('-A', chain, '-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited');
      const jump = ['INPUT', '-i', bridge, '-j', chain];
      const present = await iptables('-C', ...jump).then(
        () => true,
        () => false,
      );
      if (!present) await iptables('-I', ...jump);
    } catch (err) {
      throw new EngineError(
        `cannot isolate instance network ${bridge} from host services with iptables (${stderrOf(err).trim() || String(err)}); ` +
          'the runner needs root or CAP_NET_ADMIN in the host network namespace, or RUNNER_HOST_FIREWALL=off ' +
          'where another firewall does this',
        err,
      );
    }
  }

  /** Removes the bridge's chain and its jump (the network is gone). */
  async release(bridge: string): Promise<void> {
    if (!this.enabled) return;
    const chain = HostFirewall.chainOf(bridge);
    await iptables('-D', 'INPUT', '-i', bridge, '-j', chain).catch(() => undefined);
    await iptables('-F', chain).catch(() => undefined);
    await iptables('-X', chain).catch(() => undefined);
  }
}

async function iptables(...args: string[]): Promise<void> {
  // -w: wait for the xtables lock that dockerd also takes instead of failing.
  await run('iptables', ['-w', '5', ...args], { timeout: 15_000 });
}

function stderrOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr) : '';
}
