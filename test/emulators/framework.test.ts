import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulators/framework.ts';
import { createCodePipelineEmulator } from '../../src/emulators/codepipeline/emulator.ts';

// Any request the CodePipeline emulator does not recognise still goes through the fault knobs and the call log.
const post = (url: string) => fetch(url, { method: 'POST', body: '{}' });

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
