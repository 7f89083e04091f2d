/**
 * The HTML form of a memory report: one self-contained page (no network: the report JSON, the
 * d3-hierarchy layout code and the page script are inline) with a treemap of the key-prefix tree,
 * the top keys, the type/encoding breakdown and the TTL and element-count histograms. It holds
 * only the report's aggregates and top N, so it stays small however large the dump was.
 */
import type { MemoryReport } from './report.js';
import { D3_HIERARCHY_JS } from './report-vendor.js';

/** Script code inlined as is: it must not close its element early. */
function scriptText(s: string): string {
  if (/<\/script|<!--/i.test(s)) throw new Error('inline script contains </script or <!--');
  return s;
}

const STYLE = `
:root{--fg:#1d232b;--muted:#5c6773;--line:#dde3ea;--bar:#3b7dd8;--bg:#fff}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:16px 24px;border-bottom:1px solid var(--line)}h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
main{padding:0 24px 32px;max-width:1400px}.muted{color:var(--muted)}.cards{display:flex;gap:16px;flex-wrap:wrap;margin-top:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:150px}.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.key{font-family:ui-monospace,monospace;word-break:break-all}
.bar{background:var(--bar);height:10px;border-radius:2px;min-width:1px}.grid{display:grid;grid-template-columns:1fr 1fr;gap:24px}
#treemap{position:relative;width:100%;height:480px;border:1px solid var(--line);overflow:hidden}
#treemap div{position:absolute;overflow:hidden;border:1px solid #fff;font-size:11px;padding:2px 4px;color:#fff;white-space:nowrap;text-overflow:ellipsis}
#crumbs{margin:4px 0;font-size:13px}#crumbs a{cursor:pointer;color:var(--bar)}
@media (max-width:900px){.grid{grid-template-columns:1fr}}
`;

const APP = `
(function(){
var R = JSON.parse(document.getElementById('report-data').textContent);
var d3 = window.d3;
function el(tag, attrs, text){var e=document.createElement(tag);for(var k in attrs||{})e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
function human(n){var u=['B','KiB','MiB','GiB','TiB'],i=0;while(n>=1024&&i<u.length-1){n/=1024;i++;}return (i?n.toFixed(n<10?2:1):String(n))+' '+u[i];}
function num(n){return n.toLocaleString('en-US');}
function cell(tr,text,cls,data){var td=el('td',cls?{'class':cls}:{},text);if(data!==undefined)td.setAttribute('data-value',String(data));tr.appendChild(td);return td;}
document.getElementById('total-keys').textContent=num(R.total.keys);
document.getElementById('total-keys').setAttribute('data-value',String(R.total.keys));
document.getElementById('total-bytes').textContent=human(R.total.bytes);
document.getElementById('total-bytes').setAttribute('data-value',String(R.total.bytes));
document.getElementById('total-bytes-exact').textContent=num(R.total.bytes)+' bytes';
document.getElementById('expiry-keys').textContent=num(R.expiry.keys);
document.getElementById('expiry-keys').setAttribute('data-value',String(R.expiry.keys));
document.getElementById('sources').textContent=R.inputs.join(', ')||'(stdin)';
function totalsTable(id,map,label){
  var t=document.getElementById(id),max=0,k;for(k in map)max=Math.max(max,map[k].bytes);
  for(k in map){var tr=el('tr',{'data-name':k});cell(tr,k);cell(tr,num(map[k].keys),'n',map[k].keys);cell(tr,num(map[k].bytes),'n',map[k].bytes);
    var td=el('td');td.appendChild(el('div',{'class':'bar',style:'width:'+(max?100*map[k].bytes/max:0)+'%'}));tr.appendChild(td);t.appendChild(tr);}
}
totalsTable('by-type',R.byType);totalsTable('by-encoding',R.byEncoding);
var dbs={};for(var d in R.byDb)dbs['db '+d]=R.byDb[d];totalsTable('by-db',dbs);
function histTable(id,h){
  var t=document.getElementById(id),max=0;h.counts.forEach(function(c){max=Math.max(max,c.keys);});
  h.buckets.forEach(function(b,i){var c=h.counts[i];if(!c.keys)return;var tr=el('tr',{'data-name':b});cell(tr,b);cell(tr,num(c.keys),'n',c.keys);cell(tr,num(c.bytes),'n',c.bytes);
    var td=el('td');td.appendChild(el('div',{'class':'bar',style:'width:'+(max?100*c.keys/max:0)+'%'}));tr.appendChild(td);t.appendChild(tr);});
}
histTable('ttl',R.ttl);
var eh=document.getElementById('elements');
Object.keys(R.elements).forEach(function(type){var h=R.elements[type];var sec=el('div');sec.appendChild(el('h3',{},type+(type==='string'?' (bytes)':'')));
  var tb=el('table',{id:'elements-'+type});var hd=el('tr');['elements','keys','bytes',''].forEach(function(x,i){hd.appendChild(el('th',i&&i<3?{'class':'n'}:{},x));});tb.appendChild(hd);sec.appendChild(tb);eh.appendChild(sec);histTable('elements-'+type,h);});
var top=document.getElementById('top');
R.top.forEach(function(k,i){var tr=el('tr',{'data-rank':String(i+1)});cell(tr,String(i+1),'n');cell(tr,String(k.db),'n');cell(tr,k.key,'key');cell(tr,k.type);cell(tr,k.encoding);
  cell(tr,num(k.bytes),'n',k.bytes);cell(tr,num(k.elements),'n',k.elements);cell(tr,k.expireAt===null?'':new Date(k.expireAt).toISOString());top.appendChild(tr);});
// treemap of the prefix tree (d3-hierarchy): each node's own keys (those with no deeper prefix) are its value
var palette=['#3b7dd8','#d8613b','#3ba86a','#8e5bd1','#c9a227','#2aa3b8','#c2467a','#6b7f2a','#7a5a3a','#4a5bd1'];
var current=R.prefixes, stack=[];
function own(d){var s=d.bytes;(d.children||[]).forEach(function(c){s-=c.bytes;});return Math.max(0,s);}
function draw(){
  var box=document.getElementById('treemap');box.innerHTML='';
  var w=box.clientWidth,h=box.clientHeight;
  var root=d3.hierarchy(current,function(d){return d.children;}).sum(function(d){return d===current?own(d):(d.children?own(d):d.bytes);})
    .sort(function(a,b){return b.value-a.value;});
  d3.treemap().size([w,h]).paddingTop(16).paddingInner(1).round(true)(root);
  root.descendants().forEach(function(n){
    if(n.depth===0||n.depth>2)return;
    var c=n.ancestors().reverse()[1]; var idx=current.children?current.children.indexOf(c.data):0;
    var color=palette[(idx<0?0:idx)%palette.length];
    var div=el('div',{title:path(n)+'\\n'+num(n.data.bytes)+' bytes, '+num(n.data.keys)+' keys','data-name':n.data.name,'data-bytes':String(n.data.bytes)});
    div.style.left=n.x0+'px';div.style.top=n.y0+'px';div.style.width=Math.max(0,n.x1-n.x0)+'px';div.style.height=Math.max(0,n.y1-n.y0)+'px';
    div.style.background=n.depth===1?color:'rgba(0,0,0,0.18)';
    div.textContent=(n.data.name===''?'(root)':n.data.name)+' '+human(n.data.bytes);
    if(n.depth===1&&n.data.children){div.style.cursor='zoom-in';div.onclick=function(){stack.push(current);current=n.data;draw();};}
    box.appendChild(div);
  });
  var cr=document.getElementById('crumbs');cr.innerHTML='';
  var all=stack.concat([current]);all.forEach(function(d,i){var name=i===0?'all keys':d.name;
    if(i<all.length-1){var a=el('a',{},name);a.onclick=function(){current=all[i];stack=all.slice(0,i);draw();};cr.appendChild(a);cr.appendChild(document.createTextNode(' '+R.options.sep+' '));}
    else cr.appendChild(el('b',{},name+' \\u2014 '+human(d.bytes)+', '+num(d.keys)+' keys'));});
}
function path(n){return n.ancestors().reverse().slice(1).map(function(a){return a.data.name;}).join(R.options.sep);}
draw();window.addEventListener('resize',draw);
document.body.setAttribute('data-rendered','true');
})();
`;

/** Render a report as one self-contained HTML page. */
export function reportHtml(report: MemoryReport): string {
  // '<' only occurs inside JSON strings, where \u003c means the same
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  const title = `rdbkit memory report: ${report.inputs.join(', ') || 'dataset'}`.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${title}</title><style>${STYLE}</style></head>
<body>
<header><h1>What uses the memory</h1><div class="muted">Sources: <span id="sources"></span>. Sizes as Redis 7.0's MEMORY USAGE would give them after loading the dump (see rdbkit's SPEC.md).</div>
<div class="cards"><div class="card">keys<b id="total-keys"></b></div><div class="card">memory<b id="total-bytes"></b><span class="muted" id="total-bytes-exact"></span></div><div class="card">keys with a TTL<b id="expiry-keys"></b></div></div></header>
<main>
<h2>Key prefixes</h2><div id="crumbs"></div><div id="treemap"></div>
<h2>Largest keys</h2><table id="top"><tr><th class="n">#</th><th class="n">db</th><th>key</th><th>type</th><th>encoding</th><th class="n">bytes</th><th class="n">elements</th><th>expires</th></tr></table>
<div class="grid"><div><h2>By type</h2><table id="by-type"><tr><th>type</th><th class="n">keys</th><th class="n">bytes</th><th></th></tr></table>
<h2>By database</h2><table id="by-db"><tr><th>db</th><th class="n">keys</th><th class="n">bytes</th><th></th></tr></table></div>
<div><h2>By encoding</h2><table id="by-encoding"><tr><th>type/encoding</th><th class="n">keys</th><th class="n">bytes</th><th></th></tr></table>
<h2>Time to live</h2><table id="ttl"><tr><th>TTL</th><th class="n">keys</th><th class="n">bytes</th><th></th></tr></table></div></div>
<h2>Element counts</h2><div class="grid" id="elements"></div>
</main>
<script type="application/json" id="report-data">${data}</script>
<script>${scriptText(D3_HIERARCHY_JS)}</script>
<script>${scriptText(APP)}</script>
</body></html>
`;
}
