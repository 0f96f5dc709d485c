export {
  CONFIG_FILE,
  ENV_FILE,
  RUNTIME_CACHE_FILE,
  layerModuleConfig,
  maskSecrets,
  readConfigFile,
  readConfigLayers,
  readEnvFile,
  readRuntimeCache,
  writeRuntimeCache,
  type ConfigLayerInputs,
  type ConfigSource,
  type LayeredConfig,
  type RuntimeCache,
} from './layers.js';
export {
  SECRET_KEY_FILE,
  SECRET_KEY_ENV,
  SECRET_KEY_FILE_ENV,
  SECRET_MASK,
  SecretBox,
  canDecrypt,
  isEncrypted,
  secretPaths,
} from './secrets.js';
export {flatten, getPath, setPath} from './paths.js';
