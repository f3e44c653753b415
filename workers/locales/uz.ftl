# What the assistant says to shoppers, in Uzbek (Latin: oʻ gʻ with U+02BB, the tutuq belgisi
# ʼ with U+02BC). Shoppers who write in Cyrillic read it through `uzbek_cyrillic`. Same messages
# and variables as ru.ftl; sentences are built for Uzbek word order, so pieces joined by code
# (`status-*`, `measure-*`, `liked-*`, `about-*`, `size-by-*`) fit the sentences that take them.
# The shopper is addressed as «Siz». «Пункт выдачи» is «topshirish punkti» throughout.

## Common pieces

list-and = { $first } va { $last }
days = { $count } { $count ->
    [one] kun
   *[other] kun
}
date-day-month = { $day }-{ $month ->
    [1] yanvar
    [2] fevral
    [3] mart
    [4] aprel
    [5] may
    [6] iyun
    [7] iyul
    [8] avgust
    [9] sentabr
    [10] oktabr
    [11] noyabr
   *[12] dekabr
}
zone-moscow = Moskva vaqti bilan
zone-named = { $zone } vaqti bilan
hours-span = { $zone } soat { $from }:00 dan { $to }:00 gacha
quote-in-russian = Doʻkon qoidalarida shunday deyilgan (rus tilida):

## Greetings, thanks, small talk

greeting-1 = Assalomu alaykum! Qanday yordam bera olaman?
greeting-2 = Xayrli kun! Savolingizni yozing — yordam beraman.
greeting-3 = Assalomu alaykum! Savolingizni bemalol yozavering.
greeting-warm-1 = Assalomu alaykum! Yozganingiz uchun rahmat. Qanday yordam bera olaman?
greeting-warm-2 = Xayrli kun! Mamnuniyat bilan yordam beraman — savolingizni yozing.
thanks-1 = Arzimaydi! Savollaringiz boʻlsa, yozing.
thanks-2 = Yordam bera olganimizdan xursandmiz. Kuningiz xayrli oʻtsin!
thanks-3 = Kerak boʻlsa, bemalol yozing! Sogʻ boʻling.
thanks-concise-1 = Arzimaydi.
thanks-concise-2 = Sogʻ boʻling.
thanks-warm-1 = Arzimaydi, yordam bera olganimizdan xursandmiz! Savollaringiz boʻlsa, istalgan vaqtda yozing.
thanks-warm-2 = Sizga ham rahmat! Kuningiz xayrli oʻtsin.
warm-closing-1 = Kuningiz xayrli oʻtsin!
warm-closing-2 = Yana savollaringiz boʻlsa, bajonidil yordam beramiz.
closing-help = Agar biror muammo chiqsa, yozing — yordam beraman.
closing-refund = Agar bu muddat oʻtib ketgan boʻlsa, yozing — savolingizni xodimga yetkazaman, u toʻlovni tekshiradi.
no-news-1 = Xoʻp, buyurtma holati haqida endi oʻzim birinchi yozmayman. Savollaringizga odatdagidek javob beraman.
news-intro = Buyurtmangiz boʻyicha yangilik.
identity-1 = Men doʻkonning virtual yordamchisiman. Agar xodim bilan gaplashish qulayroq boʻlsa, «xodimni chaqiring» deb yozing — savolingizni unga yetkazaman.
other-1 = Bu borada yordam bera olmayman, lekin doʻkonimizdagi buyurtmalar, mahsulotlar, yetkazib berish, qaytarish va almashtirish haqidagi savollarga mamnuniyat bilan javob beraman.
other-2 = Men doʻkonimizning buyurtmalari va mahsulotlari haqidagi savollarga javob beraman. Nima haqida bilmoqchisiz?
no-contacts-1 = Marketpleys qoidalari bu chatda kontaktlar almashishga ruxsat bermaydi, lekin buyurtma yoki mahsulot haqidagi har qanday savolingizga shu yerda javob beraman — kerak boʻlsa, xodimni ham ulayman.
no-contacts-2 = Marketpleys chatida telefon raqamini berish yoki boshqa ilovalarga taklif qilish mumkin emas — bu uning qoidasi. Savolingizni shu yerda yozing, yordam beramiz.
clarify-1 = Iltimos, aniqlashtiring: savolingiz nima haqida — buyurtma holati, qaytarish yoki almashtirish, mahsulot bor-yoʻqligi yoki xususiyatlari?
clarify-2 = Savolni toʻliq tushunmadim. Iltimos, biroz batafsilroq yozing — masalan, buyurtma raqamini yoki mahsulot artikulini.
attachment-1 = Rahmat, fayl keldi. Iltimos, savolingizni matn bilan yozing — shunda tezroq yordam bera olaman.
hours-1 = Doʻkon xodimlari { $hours } javob berishadi. Men esa kun-u tun aloqadaman va buyurtmalar hamda mahsulotlar boʻyicha istalgan vaqtda yordam beraman.
hours-2 = Operatorlar { $hours } ishlaydi, buyurtmalar va mahsulotlar haqidagi savollarga esa men istalgan vaqtda javob beraman.
hours-always-1 = Men kun-u tun javob beraman — istalgan vaqtda yozing. Doʻkon xodimi kerak boʻlsa, savolingizni unga yetkazaman.
hours-always-2 = Istalgan vaqtda yozishingiz mumkin: men kun-u tun aloqadaman, inson kerak boʻlsa, savolingizni doʻkon xodimiga yetkazaman.

## Orders

order-status-1 = { $id } raqamli buyurtma { $status }.
order-status-2 = { $marketplace } maʼlumotlariga koʻra, { $id } raqamli buyurtma { $status }.
order-pickup-point = Topshirish punkti: { $point }.
order-storage-until = Buyurtma u yerda { $date } kunigacha saqlanadi.
order-delivery-date = Taxminiy yetkazib berish sanasi — { $date }.
order-tracking = Trek-raqam: { $tracking }.
order-problem = Bu borada yordam kerak boʻlsa, yozing — xodimni ulayman.
order-private-details = Topshirish punkti manzili va boshqa tafsilotlarni shu buyurtmadagi mahsulot nomini aytganingizdan keyin ayta olaman: shunda buyurtma sizniki ekaniga ishonch hosil qilaman.
ask-order-1 = Iltimos, buyurtma raqamini yozing — u shaxsiy kabinetda koʻrsatilgan: Wildberries shaxsiy kabinetida «Доставки» boʻlimida, Ozon shaxsiy kabinetida «Заказы» boʻlimida.
ask-order-2 = Buyurtmani tekshirishim uchun uning raqamini yuboring. Wildberries shaxsiy kabinetida u «Доставки» boʻlimida, Ozon shaxsiy kabinetida esa «Заказы» boʻlimidagi joʻnatma raqami.
ask-order-to-check = Buyurtma raqamini yozing — aynan sizning buyurtmangizni bekor qilish mumkinmi, tekshirib koʻraman.
unknown-order-1 = { $id } raqamli buyurtmani doʻkonimiz buyurtmalari orasidan topa olmadim. Iltimos, raqamni tekshiring — ehtimol, unda xato bor yoki buyurtma boshqa sotuvchidan rasmiylashtirilgan.
unknown-order-2 = { $id } raqami boʻyicha bizda buyurtma koʻrinmayapti. Iltimos, raqamni yana bir bor yuboring — tekshiraman.
ownership-retry-1 = { $id } buyurtmasida bunday mahsulot topilmadi. Iltimos, tekshirib, shu buyurtmadagi mahsulotni ayting — shunda tafsilotlarni aytaman.
ownership-not-confirmed-1 = Javobingizni bu buyurtmadagi mahsulotlar bilan solishtira olmadim, shuning uchun tafsilotlarni aytmayman. Buyurtma holatini yuqorida yozdim; batafsilroq kerak boʻlsa, «xodimni chaqiring» deb yozing.
cancel-preparing = { $id } raqamli buyurtma hali yetkazib berishga topshirilmagan, shuning uchun uni oʻzingiz bekor qilishingiz mumkin: { $app } ilovasida buyurtmani oching va «Отменить» tugmasini bosing. Pul kartangizga avtomatik tarzda qaytariladi.
cancel-in-transit = { $id } raqamli buyurtma allaqachon yoʻlda, uni ilovada bekor qilib boʻlmaydi. Shunchaki uni olib ketmasangiz yoki topshirish punktida olayotganda rad etsangiz boʻladi — pul avtomatik tarzda qaytariladi.
cancel-at-pickup-point = { $id } raqamli buyurtma allaqachon topshirish punktida. Agar u kerak boʻlmasa, olayotganda rad eting yoki shunchaki olib ketmang — pul avtomatik tarzda qaytariladi.
cancel-received = { $id } raqamli buyurtma allaqachon olingan, shuning uchun uni bekor qilib boʻlmaydi, lekin { $app } ilovasidagi «Покупки» boʻlimida qaytarishni rasmiylashtirishingiz mumkin.
cancel-cancelled = { $id } raqamli buyurtma allaqachon bekor qilingan, hech narsa qilish shart emas: pul avtomatik tarzda qaytariladi.

## Order statuses: the rest of «{ $id } raqamli buyurtma …», each ends with its verb

status-wb-ready_for_pickup = topshirish punktida sizni kutmoqda — olib ketishingiz mumkin
status-wb-sold = olingan
status-wb-sorted = Wildberries omborida saralanib, topshirish punktiga joʻnatildi
status-wb-canceled = bekor qilindi, pul avtomatik tarzda qaytariladi
status-wb-canceled_by_client = bekor qilindi: olayotganda undan voz kechilgan
status-wb-declined_by_client = rasmiylashtirilgandan keyingi birinchi soatda bekor qilingan
status-wb-defect = nuqson tufayli bekor qilindi, pul avtomatik tarzda qaytariladi
status-wb-postponed_delivery = yoʻlda: kuryer orqali yetkazish boshqa vaqtga koʻchirildi
status-wb-canceled_by_missed_call = bekor qilindi: kuryer siz bilan telefon orqali bogʻlana olmadi
status-wb-accepted_by_carrier = tashuvchiga topshirildi
status-wb-sent_to_carrier = tashuvchi omboriga joʻnatildi
status-wb-canceled_by_carrier = tashuvchi tomonidan bekor qilindi, pul avtomatik tarzda qaytariladi
status-wb-supplier-new = rasmiylashtirildi, sotuvchi tez orada uni yigʻishni boshlaydi
status-wb-supplier-confirm = hozir sotuvchi omborida yigʻilmoqda
status-wb-supplier-complete = yetkazib berishga topshirildi va sizga qarab yoʻlda
status-wb-supplier-prepare = doʻkonda berishga tayyor
status-wb-supplier-receive = olingan
status-wb-supplier-reject = bekor qilindi: olayotganda undan voz kechilgan
status-wb-supplier-cancel = sotuvchi tomonidan bekor qilindi, pul avtomatik tarzda qaytariladi
status-wb-supplier-cancel_missed_call = bekor qilindi: siz bilan telefon orqali bogʻlanib boʻlmadi
status-wb-supplier-cancel_shelf_life = bekor qilindi: saqlash muddati tugadi
status-wb-unknown = Wildberries tomonidan koʻrib chiqilmoqda
status-ozon-posting_in_pickup_point = topshirish punktida sizni kutmoqda — olib ketishingiz mumkin
status-ozon-posting_on_way_to_pickup_point = topshirish punktiga yetkazilmoqda
status-ozon-posting_on_way_to_city = shahringizga qarab yoʻlda
status-ozon-posting_in_courier_service = kuryerda, u tez orada yetkazib beradi
status-ozon-posting_awaiting_passport_data = bojxona uchun pasport maʼlumotlarini kutmoqda — ularni Ozon ilovasida kiritishingiz mumkin
status-ozon-posting_returned_to_warehouse = omborga qaytarilmoqda
status-ozon-posting_split_pending = bir nechta joʻnatmaga boʻlindi
status-ozon-awaiting_registration = yetkazib berish xizmatida roʻyxatdan oʻtkazilmoqda
status-ozon-acceptance_in_progress = omborda qabul qilinmoqda
status-ozon-awaiting_approve = sotuvchi tasdiqlashini kutmoqda
status-ozon-awaiting_verification = rasmiylashtirildi
status-ozon-awaiting_packaging = hozir sotuvchi omborida yigʻilmoqda
status-ozon-awaiting_deliver = yigʻildi va yetkazib berishga topshirilishini kutmoqda
status-ozon-arbitration = koʻrib chiqilmoqda: u boʻyicha nizo hal qilinmoqda
status-ozon-delivering = yoʻlda
status-ozon-driver_pickup = haydovchida, tez orada sizga yetib boradi
status-ozon-delivered = yetkazib berildi
status-ozon-cancelled = bekor qilindi, pul avtomatik tarzda qaytariladi
status-ozon-cancelled_from_split_pending = bir nechta joʻnatmaga boʻlindi
status-ozon-not_accepted = kechikmoqda: saralash markazi uni qabul qilmadi
status-ozon-sent_by_seller = sotuvchi tomonidan joʻnatildi
status-ozon-unknown = Ozon tomonidan koʻrib chiqilmoqda

## Returns the marketplace knows about

return-pending = { $id } raqamli buyurtma{ $product } boʻyicha qaytarish arizasi { $opened } kuni rasmiylashtirildi va hozircha koʻrib chiqilmoqda. Qaror { $app } shaxsiy kabinetingizda paydo boʻladi.
return-approved = { $id } raqamli buyurtma{ $product } boʻyicha qaytarish arizasi { $changed } kuni tasdiqlandi.
return-approved-kept = { $id } raqamli buyurtma{ $product } boʻyicha qaytarish arizasi { $changed } kuni tasdiqlandi, mahsulot sizda qoladi.
return-refunded = { $id } raqamli buyurtma{ $product } boʻyicha { $app } { $changed } kuni pul qaytarilganini qayd etdi{ $amount }.
return-rejected = { $id } raqamli buyurtma{ $product } boʻyicha qaytarish arizasi { $changed } kuni rad etildi.
return-in-progress-status = { $id } raqamli buyurtma{ $product } boʻyicha qaytarish: { $changed } kunidan beri holati «{ $status }».
return-in-progress = { $id } raqamli buyurtma{ $product } boʻyicha qaytarish { $opened } kuni rasmiylashtirildi va hozir koʻrib chiqilmoqda.
return-disagree = Agar qaror bilan rozi boʻlmasangiz, yozing — murojaatingizni mutaxassisga yetkazaman.

## Products

card-answer = «{ $title }» kartochkasida (rus tilida) quyidagilar koʻrsatilgan: { $fields }.
card-field = «{ $name }: { $value }»
ask-article-1 = Iltimos, mahsulot artikulini yozing — u mahsulot kartochkasida nomi ostida koʻrsatilgan.
ask-article-2 = Iltimos, kartochkadagi mahsulot artikulini yuboring — shunda aniq tekshiraman.
unknown-article-1 = { $article } artikulli mahsulotni doʻkonimiz mahsulotlari orasidan topa olmadim. Iltimos, mahsulot kartochkasidagi artikulni tekshiring.
stock-size-yes = Ha, «{ $title }» { $size } oʻlchamda hozir mavjud.
stock-size-no = «{ $title }» mahsulotining { $size } oʻlchami hozir mavjud emas. Mavjud oʻlchamlar: { $available }. Qachon qayta kelishini hozircha ayta olmayman.
stock-size-not-made = «{ $title }» mahsulotida { $size } oʻlcham yoʻq: u { $sizes } oʻlchamlarda ishlab chiqariladi. Hozir mavjud: { $available }.
stock-several-yes = «{ $title }» { $sizes } oʻlchamlarda mavjud.
stock-several-no = { $sizes } oʻlchamlar hozir mavjud emas.
restock-unknown = Qachon qayta kelishi haqida menda maʼlumot yoʻq — savolingizni xodimga yetkazaman, u aniqlab beradi.
stock-sizes = «{ $title }» hozir mavjud, oʻlchamlari: { $available }.
stock-yes = Ha, «{ $title }» hozir mavjud.
stock-none = Afsuski, «{ $title }» hozir mavjud emas. Qachon qayta kelishini hozircha ayta olmayman.

## Sizes

size-labelled = { $size } (Rossiya oʻlchami boʻyicha { $ru })
size-fits = «{ $title }» oʻlchamlar jadvaliga koʻra, { $measures } boʻlsa, sizga { $size } oʻlcham mos keladi.
size-nearest = «{ $title }» oʻlchamlar jadvaliga koʻra, { $measures } boʻlsa, sizga eng yaqini — { $size } oʻlcham.
size-split = «{ $title }» oʻlchamlar jadvaliga koʻra: { $parts }. Mahsulot tor kelmasligi uchun { $size } oʻlchamni tavsiya qilaman.
size-not-sold = Agar { $measures } boʻlsa, sizga { $size } oʻlcham mos kelardi, lekin «{ $title }» faqat { $sizes } oʻlchamlarda sotiladi, shuning uchun bu mahsulotni tavsiya qilmayman.
size-maps = Bu mahsulotda Rossiya boʻyicha { $ru } oʻlchamga { $size } oʻlcham mos keladi.
size-not-offered = Lekin bu mahsulot oʻsha oʻlchamda sotilmaydi: faqat { $sizes } bor.
size-above-chart = Eʼtibor bering: { $measure } — bu mahsulot jadvalida koʻzda tutilganidan koʻp (eng koʻpi { $limit } sm), shuning uchun mahsulot kichik kelishi mumkin.
size-below-chart = Eʼtibor bering: { $measure } — bu mahsulot jadvalida koʻzda tutilganidan kam (eng kami { $limit } sm), shuning uchun mahsulot katta kelishi mumkin.
size-in-stock = Hozir bu oʻlcham mavjud.
size-out-of-stock = Hozir bu oʻlcham mavjud emas; mavjudlari: { $available }.
size-none-in-stock = Hozir bu mahsulotning birorta ham oʻlchami mavjud emas.
size-chart = «{ $title }» oʻlchamlar jadvali:
    { $rows }
    Menga { $asks } yozing, oʻlchamni tanlab beraman.
size-chart-other-measures = «{ $title }» jadvalidagi oʻlchamlar boshqa koʻrsatkichlar boʻyicha berilgan:
    { $rows }
    Menga { $asks } yozing, oʻlchamni tanlab beraman.
size-by-height = boʻyingizga — { $size }
size-by-weight = vazningizga — { $size }
size-by-chest = koʻkrak aylanangizga — { $size }
size-by-waist = bel aylanangizga — { $size }
size-by-hips = boʻksa aylanangizga — { $size }
size-by-foot = oyoq kafti uzunligingizga — { $size }
size-by-head = bosh aylanangizga — { $size }
size-by-inseam = oyoq uzunligingizga — { $size }
measure-height-at = boʻyingiz { $value } sm
measure-weight-at = vazningiz { $value } kg
measure-chest-at = koʻkrak aylanangiz { $value } sm
measure-waist-at = bel aylanangiz { $value } sm
measure-hips-at = boʻksa aylanangiz { $value } sm
measure-foot-at = oyoq kafti uzunligingiz { $value } sm
measure-head-at = bosh aylanangiz { $value } sm
measure-inseam-at = oyoq uzunligingiz { $value } sm
measure-height-is = boʻyingiz { $value } sm
measure-weight-is = vazningiz { $value } kg
measure-chest-is = koʻkrak aylanangiz { $value } sm
measure-waist-is = bel aylanangiz { $value } sm
measure-hips-is = boʻksa aylanangiz { $value } sm
measure-foot-is = oyoq kafti uzunligingiz { $value } sm
measure-head-is = bosh aylanangiz { $value } sm
measure-inseam-is = oyoq uzunligingiz { $value } sm
measure-height-name = boʻyingizni
measure-weight-name = vazningizni
measure-chest-name = koʻkrak aylanangizni
measure-waist-name = bel aylanangizni
measure-hips-name = boʻksa aylanangizni
measure-foot-name = oyoq kafti uzunligingizni
measure-head-name = bosh aylanangizni
measure-inseam-name = ichki chok boʻyicha oyoq uzunligingizni
chart-height = boʻy { $span }
chart-weight = vazn { $span }
chart-chest = koʻkrak { $span }
chart-waist = bel { $span }
chart-hips = boʻksa { $span }
chart-foot = oyoq kafti { $span }
chart-head = bosh { $span }
chart-inseam = ichki chok { $span }

## Handoffs: a person will answer, and when

handoff-defect = Shunday boʻlib qolganidan juda afsusdamiz. Iltimos, mahsulot va qadoqning suratini yuboring — savolingizni xodimga yetkazaman, u almashtirish yoki qaytarishni taklif qiladi.
handoff-payment = Toʻlov bilan bogʻliq savollarni xodim yaxshiroq tekshiradi — xabaringizni yozishmalar tarixi bilan birga unga yetkazaman.
handoff-complaint = Vaziyat yoqimsiz ekanini tushunaman. Murojaatingizni xodimga yetkazaman, u shaxsan koʻrib chiqadi.
handoff-human = Yaxshi, doʻkon xodimini ulayman.
handoff-refund = Pulni qaytarish haqidagi savolingizni xodimga yetkazaman — u toʻlovni tekshiradi.
handoff-no-knowledge = Menda aniq javob yoʻq, taxmin qilishni esa istamayman — savolingizni doʻkon xodimiga yetkazaman.
handoff-other = Sizga aniq javob berishlari uchun savolingizni doʻkon xodimiga yetkazaman.
handoff-when-soon = Xodim tez orada shu yerda javob beradi.
handoff-when-later = Xodim ish vaqtida ({ $hours }) shu yerda javob beradi.
acknowledge-1 = Assalomu alaykum! Savolingizni doʻkon xodimiga yetkazaman — u shu yerda javob beradi.
acknowledge-2 = Assalomu alaykum, xabaringiz uchun rahmat. Xodimni ulayman: javob shu chatga keladi.
acknowledge-3 = Xayrli kun! Savolingiz doʻkon xodimiga yetkazildi, u shu chatda javob beradi.

## Reviews

review-thanks-1 = Sharhingiz uchun rahmat!
review-thanks-2 = Taassurotlaringiz bilan boʻlishganingiz uchun rahmat!
review-thanks-3 = Sharhingiz va bahongiz uchun tashakkur!
review-thanks-top-1 = Yuqori bahongiz uchun rahmat!
review-thanks-top-2 = Sharhingiz va besh yulduz uchun rahmat!
review-thanks-top-3 = Aʼlo bahongiz uchun tashakkur!
review-thanks-named-1 = { $name }, sharhingiz uchun rahmat!
review-thanks-named-2 = { $name }, iliq soʻzlaringiz uchun tashakkur!
review-thanks-named-3 = { $name }, taassurotlaringiz bilan boʻlishganingiz uchun rahmat!
# `liked-*` are finite clauses («sifati sizga yoqibdi»), listed after the colon.
review-liked-1 = Juda xursandmiz: { $liked }.
review-liked-2 = Sharhingizni oʻqib quvondik: { $liked }.
review-pleased-1 = Xaridingiz sizga yoqqanidan xursandmiz.
review-pleased-2 = Xarid kutganingizdek chiqqanini bilish yoqimli.
# `about-*` qualify «mulohazangiz»: «oʻlcham haqidagi mulohazangiz».
review-remark-1 = Shuningdek, { $about } mulohazangiz uchun ham rahmat — albatta inobatga olamiz.
review-remark-2 = Jamoamizga { $about } mulohazangizni yetkazamiz, bu haqda yozganingiz uchun rahmat.
review-size-chart-later-1 = Keyingi safar oʻlchamni tanlashda mahsulot kartochkasidagi jadval yordam beradi.
review-closing-1 = Sizni yana kutib qolamiz!
review-closing-2 = Xaridlaringiz yoqimli boʻlsin!
review-closing-3 = Xaridingiz sizni uzoq vaqt quvontirsin!
review-sorry-size_small = Mahsulot siz kutganingizdan kichikroq chiqqanidan afsusdamiz.
review-sorry-size_large = Mahsulot katta kelganidan afsusdamiz.
review-sorry-size_off = Oʻlcham mos kelmaganidan afsusdamiz.
review-sorry-defect = Sizga nuqsonli mahsulot tushib qolganidan juda afsusdamiz.
review-sorry-wrong_item = Uzr soʻraymiz: sizga boshqa mahsulot kelib qolibdi.
review-sorry-colour_mismatch = Rangi siz kutgandek chiqmaganidan afsusdamiz.
review-sorry-not_as_pictured = Mahsulot tavsif va suratlarga qarab kutganingizdek chiqmaganidan afsusdamiz.
review-sorry-smell = Hidi sizni xafa qilganidan afsusdamiz.
review-sorry-thin_material = Matosi sizga juda yupqa tuyulganidan afsusdamiz.
review-sorry-delivery_damage = Mahsulot yetkazib berishda shikastlanganidan juda afsusdamiz.
review-sorry-late = Buyurtma siz xohlagandan uzoqroq kelganidan afsusdamiz.
review-sorry-poor_quality = Sifati umidingizni oqlamaganidan afsusdamiz.
review-sorry-incomplete = Buyurtmada nimadir yetishmaganidan afsusdamiz.
review-sorry-uncomfortable = Kiyish noqulay bo'lib chiqqanidan afsusdamiz.
review-sorry-other = Xaridingiz sizni quvontirmaganidan afsusdamiz.
review-sorry-general-1 = Xaridingiz sizni quvontirmaganidan afsusdamiz.
review-sorry-general-2 = Mahsulot umidlaringizni oqlamaganidan juda afsusdamiz.
review-size-chart-1 = Oʻlchamni tanlashda mahsulot kartochkasidagi jadval yordam beradi: u tana oʻlchamlari asosida tuzilgan.
review-returns = Doʻkon qoidalariga koʻra: { $policy }
review-returns-chat-1 = Iltimos, sotuvchi bilan chatda bizga yozing — qaytarish yoki almashtirish masalasida yordam beramiz.
review-next-1 = Sharhingiz allaqachon jamoamizda — bu qanday sodir boʻlganini aniqlaymiz.
review-next-2 = Sharhingizni sifat uchun masʼul xodimlarga yetkazdik.
review-next-3 = Bu haqda yozganingiz uchun rahmat: shunda muammoni tezroq tuzatamiz.
review-tell-more-1 = Sotuvchi bilan chatda aynan nima yoqmaganini aytsangiz, yordam berishga harakat qilamiz.
liked-quality = sifati sizga yoqibdi
liked-fit = oʻlchami mos kelibdi
liked-colour = rangi yoqibdi
liked-material = matosi yoqibdi
liked-warmth = kiyim yaxshi isitar ekan
liked-comfort = sizga qulay ekan
liked-price = narxi maʼqul boʻlibdi
liked-delivery = buyurtma tez yetib kelibdi
liked-packaging = qadogʻi yoqibdi
liked-looks = xarid siz xohlagandek chiqibdi
about-size_small = oʻlcham haqidagi
about-size_large = oʻlcham haqidagi
about-size_off = oʻlcham haqidagi
about-defect = tikuv sifati haqidagi
about-wrong_item = buyurtma tarkibi haqidagi
about-colour_mismatch = rang haqidagi
about-not_as_pictured = tavsif va suratlar haqidagi
about-smell = hid haqidagi
about-thin_material = mato haqidagi
about-delivery_damage = yetkazib berishdagi qadoq haqidagi
about-late = yetkazib berish muddati haqidagi
about-poor_quality = sifat haqidagi
about-incomplete = to'plam haqidagi
about-uncomfortable = qulaylik haqidagi
about-other = sharhingizdagi

## For operators (summaries are in Russian whatever the shopper's language)

intent-greeting = salomlashish
intent-thanks_bye = minnatdorchilik yoki xayrlashish
intent-order_status = buyurtma holati
intent-order_cancel = buyurtmani bekor qilish
intent-return_request = mahsulotni qaytarish
intent-exchange_request = almashtirish
intent-refund_status = pulni qaytarish
intent-defect_or_wrong_item = nuqson yoki boshqa mahsulot
intent-product_question = mahsulot haqida savol
intent-product_availability = mahsulot mavjudligi
intent-size_advice = oʻlcham tanlash
intent-payment_issue = toʻlov muammosi
intent-discount_promo = chegirmalar va promokodlar
intent-human_request = xodimni soʻrayapti
intent-complaint = shikoyat
intent-other = boshqa savol
property-material = material yoki tarkib
property-care = parvarish va yuvish
property-country = ishlab chiqarilgan mamlakat
property-colour = rang
property-colour_as_pictured = rangning suratga mosligi
property-packaging = qadoq
property-warmth = qanday ob-havoga moʻljallangan
property-waterproof = namlik va shamoldan himoya
property-length = uzunlik
property-dimensions = tashqi oʻlchamlar
property-weight = ogʻirlik
property-volume = hajm
property-season = mavsum
property-warranty = kafolat
property-dishwasher = idish yuvish mashinasida yuvish
property-compatibility = moslik
property-equipment = toʻplam
property-size_fit = oʻlchamga mosligi
property-shrinkage = yuvilgandan keyin kirishish
