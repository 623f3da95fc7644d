-- wrk: the police search by district, postcode prefix, name word and name words,
-- drawn at random from a register made by /tmp-style seeding (UK outward codes
-- AB1..ZE25; names "<Adjective> <Distinct> <Kind>"). TOKEN and MODE come from the
-- environment: MODE = district | postcode | name | words | mixed.
local token = os.getenv("TOKEN")
local mode = os.getenv("MODE") or "mixed"
local areas = {"AB","AL","B","BA","BB","BD","BH","BL","BN","BR","BS","BT","CA","CB","CF","CH","CM","CO","CR","CT","CV","CW","DA","DD","DE","DG","DH","DL","DN","DT","DY","E","EC","EH","EN","EX","FK","FY","G","GL","GU","HA","HD","HG","HP","HR","HS","HU","HX","IG","IP","IV","KA","KT","KW","KY","L","LA","LD","LE","LL","LN","LS","LU","M","ME","MK","ML","N","NE","NG","NN","NP","NR","NW","OL","OX","PA","PE","PH","PL","PO","PR","RG","RH","RM","S","SA","SE","SG","SK","SL","SM","SN","SO","SP","SR","SS","ST","SW","SY","TA","TD","TF","TN","TQ","TR","TS","TW","UB","W","WA","WC","WD","WF","WN","WR","WS","WV","YO","ZE"}
local syl = {"ka","ro","mi","ten","bel","dor","fin","gar","hul","jes","lam","nor","pel","quin","ras","sul","tor","vel","wyn","zan"}
local adj = {"red","green","royal","old","grand","crown","golden","castle","harbour","swan"}
local kinds = {"hall","arena","theatre","stadium","centre","club"}
math.randomseed(os.time())
local function pick(t) return t[math.random(#t)] end
local function district() return pick(areas) .. math.random(25) end
local function distinct() return pick(syl) .. pick(syl) .. pick(syl) end
local builders = {
  district = function() return "district=" .. district() end,
  postcode = function() return "postcode=" .. district() .. "%20" .. math.random(0, 9) end,
  name = function() return "q=" .. distinct() end,
  words = function() return "q=" .. pick(adj) .. "%20" .. string.sub(distinct(), 1, 4) .. "%20" .. pick(kinds) end,
}
request = function()
  local b = builders[mode]
  if mode == "mixed" then b = builders[({"district", "postcode", "name", "words"})[math.random(4)]] end
  return wrk.format("GET", "/api/v1/certificates?limit=20&" .. b(), {["Authorization"] = "Bearer " .. token})
end
