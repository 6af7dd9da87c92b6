-- wrk script: replays the cold-crawl request mix that make-estate.py writes (--paths FILE).
--
--   wrk -t2 -c8 -d10s -s scripts/bench/mix.lua http://127.0.0.1:PORT -- PATHS_FILE
--
-- Each line of PATHS_FILE is "METHOD PATH [RANGE]" (a bare PATH means GET); RANGE such as
-- bytes=100-103 is sent as a Range header (the crawl's read of a layer's gzip trailer). Every
-- thread replays the whole list in a loop, starting at its own offset so the threads do not ask
-- for the same object at the same moment. Manifest requests carry the Accept header image-census sends, so the registry
-- answers with the stored schema 2 / OCI bytes instead of converting to a signed schema 1.
--
-- HEAD lines (the crawl's HEAD of each tag) are sent as GET of the same path: wrk 4.1's HTTP
-- parser is not told a request was a HEAD, so it waits for the Content-Length body a HEAD answer
-- never has and the connection stalls (measured: 12 requests in 5 s). Distribution 2.8 reads the
-- whole manifest for a HEAD as for a GET, so the GET costs the registry the same work plus a body
-- of ~1 KB on loopback; the mix wrk replays is therefore all GETs, in the crawl's proportions.
-- Non-2xx answers are counted by wrk itself ("Non-2xx or 3xx responses") and by the summary below.

local ACCEPT = "application/vnd.docker.distribution.manifest.v2+json, "
  .. "application/vnd.oci.image.manifest.v1+json, "
  .. "application/vnd.oci.image.index.v1+json, "
  .. "application/vnd.docker.distribution.manifest.list.v2+json"

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local requests = {}
local n = 0
local i = 0

function init(args)
  local file = args[1] or os.getenv("MIX_PATHS")
  if not file then
    error("mix.lua: pass the paths file after --, e.g. wrk ... -s mix.lua URL -- paths.txt")
  end
  local f = assert(io.open(file, "r"))
  for line in f:lines() do
    local method, path, range = line:match("^(%u+)%s+(%S+)%s*(%S*)")
    if not method then
      method, path = "GET", line:match("^(%S+)")
    end
    if path then
      if method == "HEAD" then method = "GET" end
      local headers = {}
      if path:find("/manifests/", 1, true) then
        headers["Accept"] = ACCEPT
      end
      if range and range ~= "" then
        headers["Range"] = range
      end
      n = n + 1
      requests[n] = wrk.format(method, path, headers)
    end
  end
  f:close()
  if n == 0 then
    error("mix.lua: no requests in " .. file)
  end
  -- Spread the threads over the list (golden-ratio offsets: no thread count needed).
  local k = (id or 1) - 1
  i = math.floor(n * ((k * 0.6180339887) % 1))
  lines = n
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return requests[i]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("mix.lua: %d requests of a %d-line mix, status>=400 or errors: connect %d read %d write %d status %d timeout %d\n",
    summary.requests, threads[1]:get("lines") or 0, errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
