# What the assistant says to shoppers, in English. Same messages and variables as ru.ftl.

## Common pieces

list-and = { $first } and { $last }
days = { $count } { $count ->
    [one] day
   *[other] days
}
date-day-month = { $day } { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
zone-moscow = Moscow time
zone-named = { $zone } time
hours-span = from { $from }:00 to { $to }:00 { $zone }
quote-in-russian = Here is what the shop's rules say (in Russian):

## Greetings, thanks, small talk

greeting-1 = Hello! How can I help you?
greeting-2 = Good day! Please tell me your question and I'll help.
greeting-3 = Hello! I'm listening.
greeting-warm-1 = Hello, and thank you for writing! How can I help?
greeting-warm-2 = Good day! Happy to help — please tell me your question.
thanks-1 = You're welcome! If you have any other questions, just write.
thanks-2 = Glad to help. Have a nice day!
thanks-3 = Any time! All the best.
thanks-concise-1 = You're welcome.
thanks-concise-2 = All the best.
thanks-warm-1 = You're very welcome! If anything else comes up, write to us any time.
thanks-warm-2 = Thank you too! Have a lovely day.
warm-closing-1 = Have a lovely day!
warm-closing-2 = We'll be glad to help if you have more questions.
closing-help = If something doesn't work out, write to me and I'll help.
closing-refund = If that time has already passed, let me know and I'll pass your question to a colleague who will check the payment.
no-news-1 = All right, I won't message you about order updates any more. I'll still answer whenever you write.
news-intro = An update on your order.
identity-1 = I'm the shop's virtual assistant. If you'd rather talk to a person, write "call a person" and I'll pass your question on.
other-1 = I can't help with that, but I'm happy to answer questions about orders, products, delivery, returns and exchanges in our shop.
other-2 = I answer questions about our shop's orders and products. What would you like to know?
no-contacts-1 = The marketplace's rules don't allow sharing contacts in this chat, but I can answer any question about your order or a product right here — and bring in a colleague if needed.
no-contacts-2 = In the marketplace chat we can't share a phone number or messengers — those are its rules. Write your question here and we'll help.
clarify-1 = Could you tell me what you'd like to know: an order's status, a return or exchange, or a product's availability or details?
clarify-2 = I didn't quite understand the question. Could you write a bit more — for example, your order number or the product's article number?
attachment-1 = Thank you, the file has arrived. Please write your question as text so I can help faster.
hours-1 = The shop's staff answer { $hours }. I'm here around the clock and can help with orders and products at any time.
hours-2 = Our operators work { $hours }, and I answer questions about orders and products at any time.
hours-always-1 = I answer around the clock, so write any time. If you need someone from the shop, I'll pass your question on.
hours-always-2 = You can write any time: I'm here around the clock, and if you need a person, I'll pass your question to the shop's staff.

## Orders

order-status-1 = Order { $id } { $status }.
order-status-2 = According to { $marketplace }, order { $id } { $status }.
order-pickup-point = Pickup point: { $point }.
order-storage-until = It will be kept there until { $date }.
order-delivery-date = Expected delivery date: { $date }.
order-tracking = Tracking number: { $tracking }.
order-problem = If you need help with this, write to me and I'll bring in a colleague.
order-private-details = I'll share the pickup point address and other details once you tell me which product is in this order, so I can be sure the order is yours.
ask-order-1 = Could you send me the order number, please? You'll find it in your account: on Wildberries under "Deliveries", on Ozon under "Orders".
ask-order-2 = To check the order, please send me its number. On Wildberries it's under "Deliveries", on Ozon it's the shipment number under "Orders".
ask-order-to-check = Tell me the order number and I'll check whether yours can still be cancelled.
unknown-order-1 = I can't find order { $id } among our shop's orders. Please check the number — there may be a typo, or the order may be from another seller.
unknown-order-2 = I don't see an order with the number { $id }. Could you send the number again? I'll check.
ownership-retry-1 = I can't find that product in order { $id }. Please check and name a product from this order, and I'll share the details.
ownership-not-confirmed-1 = I couldn't match your answer to the products in this order, so I won't share the details. I've written the order's status above; if you need more, write "call a person".
cancel-preparing = Order { $id } hasn't been handed over for delivery yet, so you can cancel it yourself: open the order in the { $app } app and tap "Cancel". The money will go back to your card automatically.
cancel-in-transit = Order { $id } is already on its way, so it can't be cancelled in the app. You can simply not pick it up, or refuse it at the pickup point — the money will be returned automatically.
cancel-at-pickup-point = Order { $id } is already at the pickup point. If you don't need it, just refuse it when you collect it, or don't pick it up — the money will be returned automatically.
cancel-received = Order { $id } has already been received, so it can't be cancelled, but you can request a return in the { $app } app under "Purchases".
cancel-cancelled = Order { $id } has already been cancelled, so there's nothing to do: the money will be returned automatically.

## Order statuses: the rest of "Order 123 …"

status-wb-ready_for_pickup = is waiting for you at the pickup point — you can collect it
status-wb-sold = has been received
status-wb-sorted = has been sorted at the Wildberries warehouse and is on its way to the pickup point
status-wb-canceled = has been cancelled; the money will be returned automatically
status-wb-canceled_by_client = has been cancelled: it was refused at pickup
status-wb-declined_by_client = was cancelled within the first hour after ordering
status-wb-defect = has been cancelled because of a defect; the money will be returned automatically
status-wb-postponed_delivery = is on its way: the courier delivery has been rescheduled
status-wb-canceled_by_missed_call = has been cancelled: the courier couldn't reach you by phone
status-wb-accepted_by_carrier = has been handed to the carrier
status-wb-sent_to_carrier = has been sent to the carrier's warehouse
status-wb-canceled_by_carrier = has been cancelled by the carrier; the money will be returned automatically
status-wb-supplier-new = has been placed; the seller will start packing it soon
status-wb-supplier-confirm = is being packed at the seller's warehouse
status-wb-supplier-complete = has been handed over for delivery and is on its way to you
status-wb-supplier-prepare = is ready for pickup at the shop
status-wb-supplier-receive = has been received
status-wb-supplier-reject = has been cancelled: it was refused at pickup
status-wb-supplier-cancel = has been cancelled by the seller; the money will be returned automatically
status-wb-supplier-cancel_missed_call = has been cancelled: we couldn't reach you by phone
status-wb-supplier-cancel_shelf_life = has been cancelled: the storage period ended
status-wb-unknown = is being processed by Wildberries
status-ozon-posting_in_pickup_point = is waiting for you at the pickup point — you can collect it
status-ozon-posting_on_way_to_pickup_point = is on its way to the pickup point
status-ozon-posting_on_way_to_city = is on its way to your city
status-ozon-posting_in_courier_service = is with the courier, who will bring it soon
status-ozon-posting_awaiting_passport_data = is waiting for passport details for customs — you can enter them in the Ozon app
status-ozon-posting_returned_to_warehouse = is being returned to the warehouse
status-ozon-posting_split_pending = has been split into several shipments
status-ozon-awaiting_registration = is being registered with the delivery service
status-ozon-acceptance_in_progress = is being received at the warehouse
status-ozon-awaiting_approve = is waiting for the seller's confirmation
status-ozon-awaiting_verification = has been created
status-ozon-awaiting_packaging = is being packed at the seller's warehouse
status-ozon-awaiting_deliver = has been packed and is waiting to be handed over for delivery
status-ozon-arbitration = is under review: there is a dispute about it
status-ozon-delivering = is on its way
status-ozon-driver_pickup = is with the driver and will be with you soon
status-ozon-delivered = has been delivered
status-ozon-cancelled = has been cancelled; the money will be returned automatically
status-ozon-cancelled_from_split_pending = has been split into several shipments
status-ozon-not_accepted = is delayed: the sorting centre did not accept it
status-ozon-sent_by_seller = has been shipped by the seller
status-ozon-unknown = is being processed by Ozon

## Returns the marketplace knows about

return-pending = The return request for order { $id }{ $product } was submitted on { $opened } and is still under review. The decision will appear in your { $app } account.
return-approved = The return request for order { $id }{ $product } was approved on { $changed }.
return-approved-kept = The return request for order { $id }{ $product } was approved on { $changed }, and you keep the item.
return-refunded = For the return of order { $id }{ $product }, { $app } recorded the refund on { $changed }{ $amount }.
return-rejected = The return request for order { $id }{ $product } was rejected on { $changed }.
return-in-progress-status = The return for order { $id }{ $product } has had the status "{ $status }" since { $changed }.
return-in-progress = The return for order { $id }{ $product } was submitted on { $opened } and is being processed.
return-disagree = If you disagree with the decision, write to me and I'll pass your request to a specialist.

## Products

card-answer = The product card for «{ $title }» says (in Russian): { $fields }.
card-field = «{ $name }: { $value }»
ask-article-1 = Could you send me the product's article number, please? It's shown on the product card under the name.
ask-article-2 = Please send me the article number from the product card so I can check precisely.
unknown-article-1 = I can't find a product with article number { $article } among our products. Please check the number on the product card.
stock-size-yes = Yes, «{ $title }» is in stock in size { $size }.
stock-size-no = «{ $title }» is currently out of stock in size { $size }. In stock: { $available }. I can't say yet when it will be restocked.
stock-size-not-made = «{ $title }» doesn't come in size { $size }: it's made in sizes { $sizes }. In stock now: { $available }.
stock-several-yes = «{ $title }» is in stock in sizes { $sizes }.
stock-several-no = Sizes { $sizes } are out of stock right now.
restock-unknown = I have no information about restocking, so I'm passing your question to a colleague who will find out.
stock-sizes = «{ $title }» is in stock in sizes { $available }.
stock-yes = Yes, «{ $title }» is in stock.
stock-none = Unfortunately, «{ $title }» is out of stock right now. I can't say yet when it will be restocked.

## Sizes

size-labelled = { $size } (Russian size { $ru })
size-fits = According to the size chart for «{ $title }», with { $measures } size { $size } will fit.
size-nearest = According to the size chart for «{ $title }», with { $measures } the closest size is { $size }.
size-split = According to the size chart for «{ $title }», { $parts }. I'd suggest { $size } so it isn't tight.
size-not-sold = With { $measures } you would need size { $size }, but «{ $title }» only comes in sizes { $sizes }, so I wouldn't recommend this model.
size-maps = Russian size { $ru } corresponds to size { $size } for this model.
size-not-offered = But this model isn't sold in that size: only { $sizes }.
size-above-chart = Please note: { $measure } is more than this model's size chart covers (up to { $limit } cm), so it may be too small.
size-below-chart = Please note: { $measure } is less than this model's size chart covers (from { $limit } cm), so it may be too big.
size-in-stock = It's in stock now.
size-out-of-stock = That size is out of stock right now; available: { $available }.
size-none-in-stock = This model is out of stock in every size right now.
size-chart = Size chart for «{ $title }»:
    { $rows }
    Tell me your { $asks } and I'll suggest a size.
size-chart-other-measures = The size chart for «{ $title }» uses other measurements:
    { $rows }
    Tell me your { $asks } and I'll suggest a size.
size-by-height = by height it's { $size }
size-by-weight = by weight it's { $size }
size-by-chest = by chest it's { $size }
size-by-waist = by waist it's { $size }
size-by-hips = by hips it's { $size }
size-by-foot = by foot length it's { $size }
size-by-head = by head size it's { $size }
size-by-inseam = by inseam it's { $size }
measure-height-at = a height of { $value } cm
measure-weight-at = a weight of { $value } kg
measure-chest-at = a chest of { $value } cm
measure-waist-at = a waist of { $value } cm
measure-hips-at = hips of { $value } cm
measure-foot-at = a foot length of { $value } cm
measure-head-at = a head size of { $value } cm
measure-inseam-at = an inseam of { $value } cm
measure-height-is = a height of { $value } cm
measure-weight-is = a weight of { $value } kg
measure-chest-is = a chest of { $value } cm
measure-waist-is = a waist of { $value } cm
measure-hips-is = hips of { $value } cm
measure-foot-is = a foot length of { $value } cm
measure-head-is = a head size of { $value } cm
measure-inseam-is = an inseam of { $value } cm
measure-height-name = height
measure-weight-name = weight
measure-chest-name = chest measurement
measure-waist-name = waist measurement
measure-hips-name = hip measurement
measure-foot-name = foot length
measure-head-name = head size
measure-inseam-name = inseam
chart-height = height { $span }
chart-weight = weight { $span }
chart-chest = chest { $span }
chart-waist = waist { $span }
chart-hips = hips { $span }
chart-foot = foot { $span }
chart-head = head { $span }
chart-inseam = inseam { $span }

## Handoffs: a person will answer, and when

handoff-defect = I'm very sorry this happened. Please send a photo of the item and its packaging — I'm passing your question to a colleague who will offer a replacement or a return.
handoff-payment = A colleague is better placed to check payment questions — I'm passing your message to them along with our conversation.
handoff-complaint = I understand this is unpleasant. I'm passing your message to a colleague who will look into it personally.
handoff-human = Of course, I'm bringing in a member of the shop's staff.
handoff-refund = I'm passing your question about the refund to a colleague, who will check the payment.
handoff-no-knowledge = I don't have a precise answer and don't want to guess, so I'm passing your question to the shop's staff.
handoff-other = I'm passing your question to the shop's staff so you get an accurate answer.
handoff-when-soon = They will reply here shortly.
handoff-when-later = They will reply here during working hours, { $hours }.
acknowledge-1 = Hello! I'm passing your question to the shop's staff — they will reply here.
acknowledge-2 = Hello, and thank you for your message. I'm bringing in a colleague: the reply will come to this chat.
acknowledge-3 = Good day! Your question is already with the shop's staff, and they will reply in this chat.

## Reviews

review-thanks-1 = Thank you for your review!
review-thanks-2 = Thank you for sharing your impressions!
review-thanks-3 = Thank you for your review and rating!
review-thanks-top-1 = Thank you for the great rating!
review-thanks-top-2 = Thank you for the review and the five stars!
review-thanks-top-3 = Thank you for the excellent rating!
review-thanks-named-1 = { $name }, thank you for your review!
review-thanks-named-2 = { $name }, thank you for your kind words!
review-thanks-named-3 = { $name }, thank you for sharing your impressions!
review-liked-1 = We're glad { $liked }.
review-liked-2 = It's lovely to hear { $liked }.
review-pleased-1 = We're glad you liked your purchase.
review-pleased-2 = It's good to know the purchase lived up to your expectations.
review-remark-1 = Thank you also for the comment { $about } — we'll take it into account.
review-remark-2 = We'll pass your comment { $about } on to the team — thank you for mentioning it.
review-size-chart-later-1 = Next time, the size chart on the product card will help you choose a size.
review-closing-1 = We'll be glad to see you again!
review-closing-2 = Happy shopping!
review-closing-3 = We hope you enjoy it for a long time!
review-sorry-size_small = We're sorry the item turned out smaller than you expected.
review-sorry-size_large = We're sorry the item turned out too big.
review-sorry-size_off = We're sorry the size didn't fit.
review-sorry-defect = We're very sorry you received a defective item.
review-sorry-wrong_item = Our apologies: you received the wrong item.
review-sorry-colour_mismatch = We're sorry the colour wasn't what you expected.
review-sorry-not_as_pictured = We're sorry the item didn't match what the description and photos led you to expect.
review-sorry-smell = We're sorry the smell was a disappointment.
review-sorry-thin_material = We're sorry the fabric seemed too thin to you.
review-sorry-delivery_damage = We're very sorry the item was damaged in delivery.
review-sorry-late = We're sorry the order took longer to arrive than you'd have liked.
review-sorry-poor_quality = We're sorry the quality disappointed you.
review-sorry-incomplete = We're sorry something was missing from your order.
review-sorry-uncomfortable = We're sorry the item turned out uncomfortable.
review-sorry-other = We're sorry the purchase didn't please you.
review-sorry-general-1 = We're sorry the purchase didn't please you.
review-sorry-general-2 = We're very sorry the item didn't live up to your expectations.
review-size-chart-1 = The size chart on the product card, based on body measurements, will help you choose a size.
review-returns = Under the shop's rules: { $policy }
review-returns-chat-1 = Please write to us in the chat with the seller — we'll help with a return or a replacement.
review-next-1 = Your review is already with our team — we'll find out how this happened.
review-next-2 = We've passed your review to the people responsible for quality.
review-next-3 = Thank you for telling us: it helps us fix the problem faster.
review-tell-more-1 = If you tell us in the chat with the seller what exactly you didn't like, we'll try to help.
liked-quality = you liked the quality
liked-fit = the size fit
liked-colour = you liked the colour
liked-material = you liked the fabric
liked-warmth = it keeps you warm
liked-comfort = it's comfortable for you
liked-price = you were happy with the price
liked-delivery = the order arrived quickly
liked-packaging = you liked the packaging
liked-looks = it looks the way you wanted
about-size_small = about the size
about-size_large = about the size
about-size_off = about the size
about-defect = about the sewing
about-wrong_item = about what was in the order
about-colour_mismatch = about the colour
about-not_as_pictured = about the description and photos
about-smell = about the smell
about-thin_material = about the fabric
about-delivery_damage = about the packaging in delivery
about-late = about the delivery time
about-poor_quality = about the quality
about-incomplete = about what came in the set
about-uncomfortable = about the comfort
about-other = in your review

## For operators (summaries are in Russian whatever the shopper's language)

intent-greeting = greeting
intent-thanks_bye = thanks or goodbye
intent-order_status = order status
intent-order_cancel = order cancellation
intent-return_request = return
intent-exchange_request = exchange
intent-refund_status = refund
intent-defect_or_wrong_item = defect or wrong item
intent-product_question = product question
intent-product_availability = availability
intent-size_advice = size advice
intent-payment_issue = payment problem
intent-discount_promo = discounts and promo codes
intent-human_request = asks for a person
intent-complaint = complaint
intent-other = other question
property-material = material or composition
property-care = care and washing
property-country = country of manufacture
property-colour = colour
property-colour_as_pictured = colour compared with the photo
property-packaging = packaging
property-warmth = what weather it suits
property-waterproof = protection from rain and wind
property-length = length
property-dimensions = dimensions
property-weight = weight
property-volume = volume
property-season = season
property-warranty = warranty
property-dishwasher = dishwasher safe
property-compatibility = compatibility
property-equipment = what's included
property-size_fit = how the size runs
property-shrinkage = shrinking in the wash
