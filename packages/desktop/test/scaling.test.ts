import { describe, expect, it } from 'vitest';
import { fromScreen, scaleToFit, toScreen } from '../src/scaling.js';

describe('screenshot scaling', () => {
  it('fits the bounds, keeps the aspect ratio and never scales up', () => {
    expect(scaleToFit({ width: 1920, height: 1080 }, { maxWidth: 1280, maxHeight: 800 })).toEqual({
      width: 1280,
      height: 720,
      originalWidth: 1920,
      originalHeight: 1080,
    });
    expect(scaleToFit({ width: 1280, height: 1024 }, { maxWidth: 1024, maxHeight: 768 })).toMatchObject({
      width: 960,
      height: 768,
    });
    expect(scaleToFit({ width: 800, height: 600 }, { maxWidth: 1280, maxHeight: 800 })).toMatchObject({
      width: 800,
      height: 600,
    });
    expect(scaleToFit({ width: 1280, height: 800 })).toMatchObject({ width: 1280, height: 800 });
    expect(scaleToFit({ width: 2560, height: 1600 }, { maxWidth: 1000 })).toMatchObject({
      width: 1000,
      height: 625,
    });
  });

  it('maps image coordinates back to the screen exactly', () => {
    const identity = scaleToFit({ width: 1280, height: 800 });
    expect(toScreen(identity, 0, 0)).toEqual({ x: 0, y: 0 });
    expect(toScreen(identity, 1279, 799)).toEqual({ x: 1279, y: 799 });
    const half = scaleToFit({ width: 2560, height: 1600 }, { maxWidth: 1280, maxHeight: 800 });
    expect(toScreen(half, 0, 0)).toEqual({ x: 1, y: 1 });
    expect(toScreen(half, 640, 400)).toEqual({ x: 1281, y: 801 });
    expect(toScreen(half, 1279, 799)).toEqual({ x: 2559, y: 1599 });
    expect(fromScreen(half, 2559, 1599)).toEqual({ x: 1279, y: 799 });
  });

  it('round-trips every pixel of a scaled image and stays inside the screen', () => {
    const mapping = scaleToFit({ width: 1920, height: 1080 }, { maxWidth: 1366, maxHeight: 768 });
    for (let x = 0; x < mapping.width; x++) {
      const screen = toScreen(mapping, x, 0);
      expect(screen.x).toBeGreaterThanOrEqual(0);
      expect(screen.x).toBeLessThan(1920);
      expect(fromScreen(mapping, screen.x, 0).x).toBe(x);
    }
    expect(toScreen(mapping, -5, 10_000)).toEqual({ x: 0, y: 1079 });
  });
});
