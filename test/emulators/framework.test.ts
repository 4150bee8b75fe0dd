import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '@jobgraph/emulators/framework';
import { createCodePipelineEmulator } from '@jobgraph/emulators/codepipeline/emulator';
import { startEmulators } from '@jobgraph/emulators';

// Any request the CodePipeline emulator does not recognise still goes through the fault knobs and the call log.
const post = (url: string) => fetch(url, { method: 'POST', body: '{}' });

describe('The emulator keep-alive connections', () => {
  it('closes one idle for keepAliveMs, as cloud front ends close theirs after a minute', async () => {
    // A raw connection: Node's agent does not reuse a socket whose announced timeout is under 1 s.
    const emu = await startEmulator(createCodePipelineEmulator(), { keepAliveMs: 100 });
    const socket = net.connect(emu.port, '127.0.0.1');
    try {
      const answered = new Promise<void>((resolve) =>
        socket.on('data', (chunk: Buffer) => {
          if (chunk.toString('latin1').includes('\r\n\r\n')) resolve();
        }),
      );
      const closed = once(socket, 'close');
      socket.write(`POST / HTTP/1.1\r\nhost: ${emu.url.slice(7)}\r\ncontent-length: 2\r\n\r\n{}`);
      await answered;
      expect(socket.destroyed).toBe(false);
      await closed; // nothing more sent: the server ends the connection once it is idle
      expect(emu.connections()).toBe(1);
    } finally {
      socket.destroy();
      await emu.close();
    }
  });
});

describe('The emulator fault knobs', () => {
  it('announce each request as it arrives and hold its answer until hold is cleared', async () => {
    const emu = await startEmulator(createCodePipelineEmulator());
    try {
      emu.setFaults({ hold: true });
      const arrived = once(emu.events, 'request');
      const answer = post(emu.url);
      await arrived;
      expect(emu.calls).toEqual([]);
      emu.setFaults({ hold: false });
      const res = await answer;
      expect(res.status).toBe(emu.calls[0]?.status);
      expect(emu.calls).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });

  it('hold and release through the HTTP knob', async () => {
    const emu = await startEmulator(createCodePipelineEmulator());
    const knob = `${emu.url}/__emulator/faults`;
    try {
      await fetch(knob, { method: 'POST', body: JSON.stringify({ hold: true }) });
      const arrived = once(emu.events, 'request');
      const answer = post(emu.url);
      await arrived;
      expect(emu.calls).toEqual([]);
      expect(await (await fetch(knob, { method: 'DELETE' })).json()).toMatchObject({ hold: false });
      await answer;
      expect(emu.calls).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });

  it('cut a held request when the emulator closes', async () => {
    const emu = await startEmulator(createCodePipelineEmulator());
    emu.setFaults({ hold: true });
    const arrived = once(emu.events, 'request');
    const answer = post(emu.url).then(
      () => 'answered',
      () => 'cut',
    );
    await arrived;
    await emu.close();
    expect(await answer).toBe('cut');
    expect(emu.calls).toEqual([]);
  });
});

describe('The emulator call log', () => {
  it('keeps every call by default, and the newest keepCalls (at most twice as many) when asked', async () => {
    const all = await startEmulator(createCodePipelineEmulator());
    const kept = await startEmulator(createCodePipelineEmulator(), { keepCalls: 3 });
    try {
      for (let i = 1; i <= 7; i++) {
        await post(`${all.url}/c${i}`);
        await post(`${kept.url}/c${i}`);
      }
      expect(all.calls.map((c) => c.path)).toEqual([
        '/c1',
        '/c2',
        '/c3',
        '/c4',
        '/c5',
        '/c6',
        '/c7',
      ]);
      expect(all.received).toHaveLength(7);
      // At the seventh call the log held six (twice three): the oldest three went.
      expect(kept.calls.map((c) => c.path)).toEqual(['/c4', '/c5', '/c6', '/c7']);
      expect(kept.received).toHaveLength(4);
    } finally {
      await all.close();
      await kept.close();
    }
  });

  it('is bounded the same way for every emulator of a set (jobgraph demo, jobgraph emulators)', async () => {
    const set = await startEmulators({ keepCalls: 2 });
    try {
      for (let i = 1; i <= 5; i++) await post(`${set.codepipeline.url}/c${i}`);
      expect(set.codepipeline.calls.map((c) => c.path)).toEqual(['/c3', '/c4', '/c5']);
    } finally {
      await set.close();
    }
  });
});
