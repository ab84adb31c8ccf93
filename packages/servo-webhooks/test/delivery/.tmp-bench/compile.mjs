import { transformWithOxc } from 'vite';
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
const src = 'src', out = 'test/delivery/.tmp-bench';
const files = ['errors.ts','signing.ts',...readdirSync('src/delivery').filter(f=>f.endsWith('.ts')).map(f=>'delivery/'+f)];
for (const f of files) { const code=(await transformWithOxc(readFileSync(join(src,f),'utf8'),f,{})).code; const t=join(out,f.replace(/\.ts$/,'.js')); mkdirSync(dirname(t),{recursive:true}); writeFileSync(t,code); }
