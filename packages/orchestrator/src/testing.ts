export * from './index.js';
export {
  type Assignment,
  type AssignmentBehaviour,
  FakeAgent,
  type FakeAgentOptions,
} from './testing/fake-agent.js';
