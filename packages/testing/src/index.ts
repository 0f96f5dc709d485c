export {createTempHome, type TempHome} from './home.js';
export {loadCliConfig, runCli, type CliRun, type RunCliOptions} from './run-cli.js';
export {spawnCli, type SpawnResult} from './spawn-cli.js';
export {createTestDatabase, testEngines, type EngineName, type TestDatabase} from './database.js';
export {describeEachEngine, type EngineFixture} from './each-engine.js';
