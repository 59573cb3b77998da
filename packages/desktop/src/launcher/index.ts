export { DESKTOP_INSTALL_HINT, DesktopProgram, type DesktopSupport, detectDesktopSupport } from './detect.js';
export {
  chromiumArgs,
  type DesktopApp,
  type LaunchDesktopOptions,
  type LocalDesktop,
  launchLocalDesktop,
  vncPasswordFile,
} from './launch.js';
