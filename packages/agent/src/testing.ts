export * from './index.js';
export { FakeDesktop, type FakeDesktopAction, type FakeDesktopOptions } from './testing/fake-desktop.js';
export { computerTurn, modelTurn, ScriptedModel, type ScriptedTurn } from './testing/scripted-model.js';
