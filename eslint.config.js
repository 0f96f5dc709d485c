export {default} from '@systemprompt/eslint-config';
