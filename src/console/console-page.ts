/**
 * The web console: one self-contained page (no build step, no external assets) that talks to the
 * console API with the admin token the operator pastes in (kept in sessionStorage only).
 */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>e2e-o11y console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:18px;margin:0}main{padding:16px 20px;display:grid;gap:16px}
section{background:#fff;border-radius:6px;padding:12px 16px;box-shadow:0 1px 2px #0002}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e5ea;font-variant-numeric:tabular-nums}
input{padding:4px 6px}button{padding:4px 10px}.bar{display:inline-block;height:10px;background:#3b82f6;vertical-align:middle}
.rej{background:#ef4444}.muted{color:#667}pre{white-space:pre-wrap;margin:0}
.span{position:relative;height:18px;margin:2px 0}.span div{position:absolute;height:16px;background:#10b981;border-radius:2px;font-size:11px;color:#fff;padding-left:3px;overflow:hidden;white-space:nowrap}
</style></head><body>
<header><h1>e2e-o11y</h1><span class="muted">end-to-end observability hub</span>
<span style="margin-left:auto"><input id="token" type="password" placeholder="admin token" size="40"> <button id="save">use token</button></span></header>
<main>
<section><h2>Accounts</h2><table id="accounts"><thead><tr><th>account</th><th>name</th><th>plan</th><th>status</th><th>spans</th><th>data points</th><th>log records</th><th>rejected</th><th>throttled</th><th>denied</th><th></th></tr></thead><tbody></tbody></table></section>
<section><h2>Business process (trace)</h2><input id="traceId" size="40" placeholder="trace id (32 hex)"> <button id="loadTrace">show</button>
<div id="trace"></div></section>
<section><h2>Logs</h2><input id="logAccount" placeholder="account"> <input id="logContains" placeholder="contains"> <button id="loadLogs">search</button>
<table id="logs"><thead><tr><th>time</th><th>account</th><th>source</th><th>severity</th><th>body</th><th>trace</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
const $=(id)=>document.getElementById(id);
$('token').value=sessionStorage.getItem('e2eToken')||'';
$('save').onclick=()=>{sessionStorage.setItem('e2eToken',$('token').value.trim());refresh();};
async function api(path){const r=await fetch(path,{headers:{authorization:'Bearer '+(sessionStorage.getItem('e2eToken')||'')}});if(!r.ok)throw new Error(r.status+' '+(await r.text()));return r.json();}
function cell(tr,v){const td=document.createElement('td');td.textContent=v;tr.appendChild(td);return td;}
function ns(s){return new Date(Number(BigInt(s)/1000000n)).toISOString();}
async function refresh(){
  try{
    const st=await api('/api/stats');let acc={accounts:[]};try{acc=await api('/api/accounts');}catch{}
    const byId=new Map(acc.accounts.map(a=>[a.id,a]));const ids=new Set([...byId.keys(),...st.accounts.map(s=>s.accountId)]);
    const stats=new Map(st.accounts.map(s=>[s.accountId,s]));const tb=$('accounts').tBodies[0];tb.textContent='';
    const max=Math.max(1,...st.accounts.map(s=>s.accepted.spans+s.accepted.dataPoints+s.accepted.logRecords));
    for(const id of [...ids].sort()){const a=byId.get(id)||{};const s=stats.get(id)||{accepted:{spans:0,dataPoints:0,logRecords:0},rejected:{spans:0,dataPoints:0,logRecords:0},throttledRequests:0,deniedRequests:0};
      const tr=document.createElement('tr');cell(tr,id);cell(tr,a.name||'');cell(tr,a.plan||'');cell(tr,a.status||'');cell(tr,s.accepted.spans);cell(tr,s.accepted.dataPoints);cell(tr,s.accepted.logRecords);
      const rej=s.rejected.spans+s.rejected.dataPoints+s.rejected.logRecords;cell(tr,rej);cell(tr,s.throttledRequests);cell(tr,s.deniedRequests);
      const tot=s.accepted.spans+s.accepted.dataPoints+s.accepted.logRecords;const td=cell(tr,'');const b=document.createElement('span');b.className='bar';b.style.width=(120*tot/max)+'px';td.appendChild(b);
      const r=document.createElement('span');r.className='bar rej';r.style.width=Math.min(120,120*rej/max)+'px';td.appendChild(r);tb.appendChild(tr);}
  }catch(e){console.warn(e);}
}
$('loadTrace').onclick=async()=>{const box=$('trace');box.textContent='';try{const t=await api('/api/traces/'+encodeURIComponent($('traceId').value.trim()));
  const start=t.spans.reduce((m,s)=>BigInt(s.startTimeUnixNano)<m?BigInt(s.startTimeUnixNano):m,BigInt(t.spans[0].startTimeUnixNano));
  const end=t.spans.reduce((m,s)=>BigInt(s.endTimeUnixNano)>m?BigInt(s.endTimeUnixNano):m,0n);const span=Number(end-start)||1;
  for(const s of t.spans){const row=document.createElement('div');row.className='span';const bar=document.createElement('div');
    bar.style.left=(100*Number(BigInt(s.startTimeUnixNano)-start)/span)+'%';bar.style.width=Math.max(0.5,100*Number(BigInt(s.endTimeUnixNano)-BigInt(s.startTimeUnixNano))/span)+'%';
    bar.textContent=s.accountId+' · '+s.serviceName+' · '+s.name;row.appendChild(bar);box.appendChild(row);}
}catch(e){box.textContent=String(e);}};
$('loadLogs').onclick=async()=>{const q=new URLSearchParams();if($('logAccount').value)q.set('account',$('logAccount').value);if($('logContains').value)q.set('contains',$('logContains').value);
  const tb=$('logs').tBodies[0];tb.textContent='';try{const r=await api('/api/logs?'+q);for(const l of r.logs){const tr=document.createElement('tr');cell(tr,ns(l.timeUnixNano));cell(tr,l.accountId);cell(tr,l.sourceName);cell(tr,l.severityText);cell(tr,typeof l.body==='string'?l.body:JSON.stringify(l.body));
  const td=cell(tr,l.traceId||'');td.style.cursor='pointer';td.onclick=()=>{$('traceId').value=l.traceId;$('loadTrace').click();};tb.appendChild(tr);}}catch(e){tb.textContent=String(e);}};
refresh();setInterval(refresh,3000);
</script></body></html>`;
