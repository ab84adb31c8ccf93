const fs=require('fs');const f=fs.readdirSync('prof').sort().pop();const p=JSON.parse(fs.readFileSync('prof/'+f));
const self=new Map();
const dt=p.timeDeltas;const cnt=new Map();p.samples.forEach((s,i)=>cnt.set(s,(cnt.get(s)||0)+(dt[i]||0)));
for(const n of p.nodes){const k=n.callFrame.functionName+' '+n.callFrame.url.split('/').slice(-2).join('/')+':'+n.callFrame.lineNumber;self.set(k,(self.get(k)||0)+(cnt.get(n.id)||0));}
const tot=[...self.values()].reduce((a,b)=>a+b,0);
console.log([...self.entries()].sort((a,b)=>b[1]-a[1]).slice(0,40).map(([k,v])=>(v/tot*100).toFixed(1)+'% '+k).join('\n'))
