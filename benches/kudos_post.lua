-- wrk: POST one kudos per request as the signed-in giver (TOKEN) to RECIPIENTS.
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer " .. os.getenv("TOKEN")
local n = 0
request = function()
  n = n + 1
  local body = '{"recipient_ids": [' .. os.getenv("RECIPIENTS") .. '], "message": "Thanks for the help, number ' .. n .. '"}'
  return wrk.format(nil, nil, nil, body)
end
