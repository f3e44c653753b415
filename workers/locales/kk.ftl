# What the assistant says to shoppers, in Kazakh (Cyrillic). Same messages and variables as
# ru.ftl; sentences are built for Kazakh word order, so pieces joined by code (`status-*`,
# `measure-*`, `liked-*`, `about-*`, `size-by-*`) are written to fit the sentences that take
# them, and no case ending is ever glued to a placeable: a noun after it carries the ending.
# The shopper is addressed as «Сіз». «Пункт выдачи» is «беру пункті» throughout.

## Common pieces

list-and = { $first } және { $last }
days = { $count } { $count ->
    [one] күн
   *[other] күн
}
date-day-month = { $day } { $month ->
    [1] қаңтар
    [2] ақпан
    [3] наурыз
    [4] сәуір
    [5] мамыр
    [6] маусым
    [7] шілде
    [8] тамыз
    [9] қыркүйек
    [10] қазан
    [11] қараша
   *[12] желтоқсан
}
zone-moscow = Мәскеу уақытымен
zone-named = { $zone } уақытымен
hours-span = { $zone } { $from }:00-ден { $to }:00-ге дейін
quote-in-russian = Дүкен ережелерінде былай делінген (орыс тілінде):

## Greetings, thanks, small talk

greeting-1 = Сәлеметсіз бе! Қалай көмектесе аламын?
greeting-2 = Қайырлы күн! Сұрағыңызды жазыңыз — көмектесемін.
greeting-3 = Сәлеметсіз бе! Сұрағыңызды жаза беріңіз.
greeting-warm-1 = Сәлеметсіз бе! Жазғаныңызға рахмет. Қалай көмектесе аламын?
greeting-warm-2 = Қайырлы күн! Қуана көмектесемін — сұрағыңызды жазыңыз.
thanks-1 = Оқасы жоқ! Сұрақтарыңыз болса, жазыңыз.
thanks-2 = Көмектесе алғанымызға қуаныштымыз. Күніңіз сәтті өтсін!
thanks-3 = Қажет болса, тағы жазыңыз! Сау болыңыз.
thanks-concise-1 = Оқасы жоқ.
thanks-concise-2 = Сау болыңыз.
thanks-warm-1 = Оқасы жоқ, көмектесе алғанымызға қуаныштымыз! Сұрақтарыңыз болса, кез келген уақытта жазыңыз.
thanks-warm-2 = Сізге де рахмет! Күніңіз сәтті өтсін.
warm-closing-1 = Күніңіз сәтті өтсін!
warm-closing-2 = Тағы сұрақтарыңыз болса, қуана көмектесеміз.
closing-help = Егер бірдеңе ойдағыдай болмаса, жазыңыз — көмектесемін.
closing-refund = Егер бұл мерзім өтіп кеткен болса, жазыңыз — сұрағыңызды қызметкерге жеткіземін, ол төлемді тексереді.
no-news-1 = Жарайды, тапсырыс мәртебесі туралы енді өзім бірінші жазбаймын. Сұрақтарыңызға бұрынғыдай жауап беремін.
news-intro = Тапсырысыңыз бойынша жаңалық.
identity-1 = Мен дүкеннің виртуалды көмекшісімін. Қызметкермен сөйлескіңіз келсе, «қызметкерді шақырыңыз» деп жазыңыз — сұрағыңызды соған жеткіземін.
other-1 = Бұл сұраққа көмектесе алмаймын, бірақ дүкеніміздегі тапсырыстар, тауарлар, жеткізу, қайтару және айырбастау туралы сұрақтарға қуана жауап беремін.
other-2 = Мен дүкеніміздің тапсырыстары мен тауарлары туралы сұрақтарға жауап беремін. Қандай сұрағыңыз бар?
no-contacts-1 = Маркетплейс ережелері бұл чатта байланыс деректерімен алмасуға рұқсат бермейді, бірақ тапсырыс не тауар туралы кез келген сұраққа осында жауап беремін — қажет болса, қызметкерді де қосамын.
no-contacts-2 = Маркетплейс чатында телефон нөмірін беруге немесе басқа қосымшаларға шақыруға болмайды — бұл оның ережесі. Сұрағыңызды осында жазыңыз, көмектесеміз.
clarify-1 = Нақтылаңызшы, сұрағыңыз неге қатысты: тапсырыс мәртебесі, қайтару не айырбастау, әлде тауардың бар-жоғы не сипаттамасы?
clarify-2 = Сұрақты толық түсінбедім. Сәл толығырақ жазыңызшы — мысалы, тапсырыс нөмірін немесе тауардың артикулын.
attachment-1 = Рахмет, файл келді. Сұрағыңызды мәтінмен жазыңызшы — солай тезірек көмектесе аламын.
hours-1 = Дүкен қызметкерлері { $hours } жауап береді. Ал мен тәулік бойы байланыстамын, тапсырыстар мен тауарлар жөнінде кез келген уақытта көмектесемін.
hours-2 = Операторлар { $hours } жұмыс істейді, ал тапсырыстар мен тауарлар туралы сұрақтарға мен кез келген уақытта жауап беремін.
hours-always-1 = Мен тәулік бойы жауап беремін — кез келген уақытта жазыңыз. Дүкен қызметкері қажет болса, сұрағыңызды соған жеткіземін.
hours-always-2 = Кез келген уақытта жаза беріңіз: мен тәулік бойы байланыстамын, ал адам керек болса, сұрағыңызды дүкен қызметкеріне жеткіземін.

## Orders

order-status-1 = { $id } нөмірлі тапсырыс { $status }.
order-status-2 = { $marketplace } деректері бойынша, { $id } нөмірлі тапсырыс { $status }.
order-pickup-point = Беру пункті: { $point }.
order-storage-until = Сақтау мерзімі { $date } күні аяқталады.
order-delivery-date = Күтілетін жеткізу күні — { $date }.
order-tracking = Трек-нөмір: { $tracking }.
order-problem = Бұл бойынша көмек керек болса, жазыңыз — қызметкерді қосамын.
order-private-details = Беру пунктінің мекенжайын және басқа мәліметтерді осы тапсырыстағы тауарды атағаныңызда айтамын: солай тапсырыстың сіздікі екеніне көз жеткіземін.
ask-order-1 = Тапсырыс нөмірін жазыңызшы — ол жеке кабинетте көрсетілген: Wildberries жеке кабинетінде «Доставки» бөлімінде, Ozon жеке кабинетінде «Заказы» бөлімінде.
ask-order-2 = Тапсырысты тексеру үшін оның нөмірін жіберіңізші. Wildberries жеке кабинетінде ол «Доставки» бөлімінде, ал Ozon жеке кабинетінде — «Заказы» бөліміндегі жөнелтілім нөмірі.
ask-order-to-check = Тапсырыс нөмірін жазыңызшы — дәл сіздің тапсырысыңыздан бас тартуға бола ма, тексеремін.
unknown-order-1 = { $id } нөмірлі тапсырысты дүкеніміздің тапсырыстары арасынан таба алмадым. Нөмірді тексеріп көріңізші — мүмкін, қате жазылған немесе тапсырыс басқа сатушыдан рәсімделген.
unknown-order-2 = { $id } нөмірі бойынша бізде тапсырыс көрінбейді. Нөмірді қайта жіберіңізші — тексеремін.
ownership-retry-1 = { $id } тапсырысында мұндай тауар табылмады. Тексеріп, осы тапсырыстағы тауарды атаңызшы — сонда толығырақ айтамын.
ownership-not-confirmed-1 = Жауабыңызды осы тапсырыстағы тауарлармен сәйкестендіре алмадым, сондықтан толық мәліметтерді айтпаймын. Тапсырыс мәртебесін жоғарыда жаздым; көбірек білу керек болса, «қызметкерді шақырыңыз» деп жазыңыз.
cancel-preparing = { $id } нөмірлі тапсырыс әлі жеткізуге берілмеген, сондықтан одан өзіңіз бас тарта аласыз: { $app } қосымшасында тапсырысты ашып, «Отменить» батырмасын басыңыз. Ақша картаңызға автоматты түрде қайтарылады.
cancel-in-transit = { $id } нөмірлі тапсырыс жолда, енді одан қосымшада бас тарту мүмкін емес. Оны алмай-ақ қоюыңызға немесе беру пунктінде алған кезде бас тартуыңызға болады — ақша автоматты түрде қайтарылады.
cancel-at-pickup-point = { $id } нөмірлі тапсырыс беру пунктінде тұр. Қажет болмаса, алған кезде одан бас тартыңыз немесе жай ғана алмаңыз — ақша автоматты түрде қайтарылады.
cancel-received = { $id } нөмірлі тапсырыс алынып қойған, сондықтан одан бас тарту мүмкін емес, бірақ { $app } қосымшасындағы «Покупки» бөлімінде қайтаруды рәсімдеуге болады.
cancel-cancelled = { $id } нөмірлі тапсырыс жойылған, ештеңе істеудің қажеті жоқ: ақша автоматты түрде қайтарылады.

## Order statuses: the rest of «{ $id } нөмірлі тапсырыс …», each ends with its verb

status-wb-ready_for_pickup = беру пунктінде сізді күтіп тұр — алып кетуге болады
status-wb-sold = алынды
status-wb-sorted = Wildberries қоймасында сұрыпталып, беру пунктіне жіберілді
status-wb-canceled = жойылды, ақша автоматты түрде қайтарылады
status-wb-canceled_by_client = жойылды: алу кезінде одан бас тартылды
status-wb-declined_by_client = рәсімделгеннен кейінгі бірінші сағатта жойылды
status-wb-defect = ақауға байланысты жойылды, ақша автоматты түрде қайтарылады
status-wb-postponed_delivery = жолда: курьерлік жеткізу басқа уақытқа ауыстырылды
status-wb-canceled_by_missed_call = жойылды: курьер сізге телефон арқылы хабарласа алмады
status-wb-accepted_by_carrier = тасымалдаушыға берілді
status-wb-sent_to_carrier = тасымалдаушының қоймасына жіберілді
status-wb-canceled_by_carrier = тасымалдаушы тарапынан жойылды, ақша автоматты түрде қайтарылады
status-wb-supplier-new = рәсімделді, сатушы жақында оны жинай бастайды
status-wb-supplier-confirm = қазір сатушының қоймасында жиналып жатыр
status-wb-supplier-complete = жеткізуге берілді, сізге қарай келе жатыр
status-wb-supplier-prepare = дүкенде беруге дайын
status-wb-supplier-receive = алынды
status-wb-supplier-reject = жойылды: алу кезінде одан бас тартылды
status-wb-supplier-cancel = сатушы тарапынан жойылды, ақша автоматты түрде қайтарылады
status-wb-supplier-cancel_missed_call = жойылды: сізге телефон арқылы хабарласу мүмкін болмады
status-wb-supplier-cancel_shelf_life = жойылды: сақтау мерзімі аяқталды
status-wb-unknown = Wildberries жүйесінде өңделіп жатыр
status-ozon-posting_in_pickup_point = беру пунктінде сізді күтіп тұр — алып кетуге болады
status-ozon-posting_on_way_to_pickup_point = беру пунктіне жеткізіліп жатыр
status-ozon-posting_on_way_to_city = қалаңызға қарай жолда
status-ozon-posting_in_courier_service = курьерде, ол жақында жеткізіп береді
status-ozon-posting_awaiting_passport_data = кеден үшін паспорт деректерін күтіп тұр — оларды Ozon қосымшасында көрсетуге болады
status-ozon-posting_returned_to_warehouse = қоймаға қайтарылып жатыр
status-ozon-posting_split_pending = бірнеше жөнелтілімге бөлінді
status-ozon-awaiting_registration = жеткізу қызметінде тіркеліп жатыр
status-ozon-acceptance_in_progress = қоймада қабылданып жатыр
status-ozon-awaiting_approve = сатушының растауын күтіп тұр
status-ozon-awaiting_verification = рәсімделді
status-ozon-awaiting_packaging = қазір сатушының қоймасында жиналып жатыр
status-ozon-awaiting_deliver = жиналды, жеткізуге берілуін күтіп тұр
status-ozon-arbitration = қаралуда: ол бойынша дау шешіліп жатыр
status-ozon-delivering = жолда
status-ozon-driver_pickup = жүргізушіде, жақында сізге жетеді
status-ozon-delivered = жеткізілді
status-ozon-cancelled = жойылды, ақша автоматты түрде қайтарылады
status-ozon-cancelled_from_split_pending = бірнеше жөнелтілімге бөлінді
status-ozon-not_accepted = кешігіп жатыр: сұрыптау орталығы оны қабылдамады
status-ozon-sent_by_seller = сатушы тарапынан жөнелтілді
status-ozon-unknown = Ozon жүйесінде өңделіп жатыр

## Returns the marketplace knows about

return-pending = { $id } нөмірлі тапсырыс{ $product } бойынша қайтару туралы өтінім { $opened } күні рәсімделді және әлі қаралып жатыр. Шешім { $app } жеке кабинетіңізде көрінеді.
return-approved = { $id } нөмірлі тапсырыс{ $product } бойынша қайтару туралы өтінім { $changed } күні мақұлданды.
return-approved-kept = { $id } нөмірлі тапсырыс{ $product } бойынша қайтару туралы өтінім { $changed } күні мақұлданды, тауар сізде қалады.
return-refunded = { $id } нөмірлі тапсырыс{ $product } бойынша { $app } { $changed } күні ақшаның қайтарылғанын белгіледі{ $amount }.
return-rejected = { $id } нөмірлі тапсырыс{ $product } бойынша қайтару туралы өтінім { $changed } күні мақұлданбады.
return-in-progress-status = { $id } нөмірлі тапсырыс{ $product } бойынша қайтару: { $changed } күнінен бастап мәртебесі — «{ $status }».
return-in-progress = { $id } нөмірлі тапсырыс{ $product } бойынша қайтару { $opened } күні рәсімделді, қазір өңделіп жатыр.
return-disagree = Шешіммен келіспесеңіз, жазыңыз — өтінішіңізді маманға жеткіземін.

## Products

card-answer = «{ $title }» карточкасында (орыс тілінде) былай көрсетілген: { $fields }.
card-field = «{ $name }: { $value }»
ask-article-1 = Тауардың артикулын жазыңызшы — ол тауар карточкасында атауының астында көрсетілген.
ask-article-2 = Тауар карточкасындағы артикулды жіберіңізші — солай нақты тексеремін.
unknown-article-1 = { $article } артикулы бар тауарды дүкеніміздің тауарлары арасынан таба алмадым. Тауар карточкасындағы артикулды тексеріп көріңізші.
stock-size-yes = Иә, «{ $title }» { $size } өлшемінде қазір қоймада бар.
stock-size-no = «{ $title }» тауарының { $size } өлшемі қазір қоймада жоқ. Бар өлшемдер: { $available }. Қашан қайта түсетінін әзірге айта алмаймын.
stock-size-not-made = «{ $title }» тауарында { $size } өлшемі жоқ: бұл модель { $sizes } өлшемдерінде шығарылады. Қазір қоймада бары: { $available }.
stock-several-yes = «{ $title }» { $sizes } өлшемдерінде қоймада бар.
stock-several-no = { $sizes } өлшемдері қазір қоймада жоқ.
restock-unknown = Қашан қайта түсетіні туралы менде дерек жоқ — сұрағыңызды қызметкерге жеткіземін, ол нақтылайды.
stock-sizes = «{ $title }» қазір қоймада бар, өлшемдері: { $available }.
stock-yes = Иә, «{ $title }» қазір қоймада бар.
stock-none = Өкінішке қарай, «{ $title }» қазір қоймада жоқ. Қашан қайта түсетінін әзірге айта алмаймын.

## Sizes

size-labelled = { $size } (Ресей өлшемі бойынша { $ru })
size-fits = «{ $title }» өлшемдер кестесі бойынша, { $measures } болса, сізге { $size } өлшемі келеді.
size-nearest = «{ $title }» өлшемдер кестесі бойынша, { $measures } болса, сізге ең жақыны — { $size } өлшемі.
size-split = «{ $title }» өлшемдер кестесі бойынша: { $parts }. Тауар тар болмауы үшін { $size } өлшемін алуға кеңес беремін.
size-not-sold = Егер { $measures } болса, сізге { $size } өлшемі келер еді, бірақ «{ $title }» тек { $sizes } өлшемдерінде сатылады, сондықтан бұл модельді ұсынбаймын.
size-maps = Бұл модельде Ресейдің { $ru } өлшеміне { $size } өлшемі сәйкес келеді.
size-not-offered = Бірақ бұл модель ол өлшемде сатылмайды: тек { $sizes } бар.
size-above-chart = Ескеріңіз: { $measure } — бұл модельдің кестесінде көрсетілгеннен көп (ең көбі { $limit } см), сондықтан тауар кішілеу болуы мүмкін.
size-below-chart = Ескеріңіз: { $measure } — бұл модельдің кестесінде көрсетілгеннен аз (ең азы { $limit } см), сондықтан тауар үлкендеу болуы мүмкін.
size-in-stock = Ол қазір қоймада бар.
size-out-of-stock = Бұл өлшем қазір қоймада жоқ; бары: { $available }.
size-none-in-stock = Бұл модельдің қазір ешбір өлшемі қоймада жоқ.
size-chart = «{ $title }» өлшемдер кестесі:
    { $rows }
    Маған { $asks } жазыңыз, мен өлшемді таңдап беремін.
size-chart-other-measures = «{ $title }» кестесіндегі өлшемдер басқа көрсеткіштер бойынша берілген:
    { $rows }
    Маған { $asks } жазыңыз, мен өлшемді таңдап беремін.
size-by-height = бойыңызға — { $size }
size-by-weight = салмағыңызға — { $size }
size-by-chest = кеуде көлеміңізге — { $size }
size-by-waist = бел көлеміңізге — { $size }
size-by-hips = жамбас көлеміңізге — { $size }
size-by-foot = табан ұзындығыңызға — { $size }
size-by-head = бас көлеміңізге — { $size }
size-by-inseam = аяқ ұзындығыңызға — { $size }
measure-height-at = бойыңыз { $value } см
measure-weight-at = салмағыңыз { $value } кг
measure-chest-at = кеуде көлеміңіз { $value } см
measure-waist-at = бел көлеміңіз { $value } см
measure-hips-at = жамбас көлеміңіз { $value } см
measure-foot-at = табан ұзындығыңыз { $value } см
measure-head-at = бас көлеміңіз { $value } см
measure-inseam-at = аяқ ұзындығыңыз { $value } см
measure-height-is = бойыңыз { $value } см
measure-weight-is = салмағыңыз { $value } кг
measure-chest-is = кеуде көлеміңіз { $value } см
measure-waist-is = бел көлеміңіз { $value } см
measure-hips-is = жамбас көлеміңіз { $value } см
measure-foot-is = табан ұзындығыңыз { $value } см
measure-head-is = бас көлеміңіз { $value } см
measure-inseam-is = аяқ ұзындығыңыз { $value } см
measure-height-name = бойыңызды
measure-weight-name = салмағыңызды
measure-chest-name = кеуде көлеміңізді
measure-waist-name = бел көлеміңізді
measure-hips-name = жамбас көлеміңізді
measure-foot-name = табан ұзындығыңызды
measure-head-name = бас көлеміңізді
measure-inseam-name = аяғыңыздың ішкі тігіс бойынша ұзындығын
chart-height = бой { $span }
chart-weight = салмақ { $span }
chart-chest = кеуде { $span }
chart-waist = бел { $span }
chart-hips = жамбас { $span }
chart-foot = табан { $span }
chart-head = бас { $span }
chart-inseam = ішкі тігіс { $span }

## Handoffs: a person will answer, and when

handoff-defect = Осындай жағдай болғанына қатты өкінеміз. Тауар мен қаптаманың фотосын жіберіңізші — сұрағыңызды қызметкерге жеткіземін, ол ауыстыруды немесе қайтаруды ұсынады.
handoff-payment = Төлем жөніндегі сұрақтарды қызметкер жақсырақ тексереді — хабарламаңызды осы жазысумен бірге соған жеткіземін.
handoff-complaint = Жағдайдың жағымсыз екенін түсінемін. Өтінішіңізді қызметкерге жеткіземін, ол мәселені өзі қарайды.
handoff-human = Жақсы, дүкен қызметкерін қосамын.
handoff-refund = Ақшаны қайтару туралы сұрағыңызды қызметкерге жеткіземін — ол төлемді тексереді.
handoff-no-knowledge = Менде нақты жауап жоқ, ал болжап айтқым келмейді — сұрағыңызды дүкен қызметкеріне жеткіземін.
handoff-other = Сізге нақты жауап берілуі үшін сұрағыңызды дүкен қызметкеріне жеткіземін.
handoff-when-soon = Қызметкер жақын арада осы чатта жауап береді.
handoff-when-later = Қызметкер жұмыс уақытында ({ $hours }) осы чатта жауап береді.
acknowledge-1 = Сәлеметсіз бе! Сұрағыңызды дүкен қызметкеріне жеткіземін — ол осы чатта жауап береді.
acknowledge-2 = Сәлеметсіз бе, хабарламаңызға рахмет. Қызметкерді қосамын: жауап осы чатқа келеді.
acknowledge-3 = Қайырлы күн! Сұрағыңыз дүкен қызметкеріне жетті, ол осы чатта жауап береді.

## Reviews

review-thanks-1 = Пікіріңізге рахмет!
review-thanks-2 = Әсеріңізбен бөліскеніңізге рахмет!
review-thanks-3 = Пікіріңіз бен бағаңызға алғыс айтамыз!
review-thanks-top-1 = Жоғары бағаңызға рахмет!
review-thanks-top-2 = Пікіріңіз бен бес жұлдызыңызға рахмет!
review-thanks-top-3 = Керемет бағаңызға алғыс айтамыз!
review-thanks-named-1 = { $name }, пікіріңізге рахмет!
review-thanks-named-2 = { $name }, жылы лебізіңізге алғыс айтамыз!
review-thanks-named-3 = { $name }, әсеріңізбен бөліскеніңізге рахмет!
# `liked-*` are finite clauses («сізге сапасы ұнапты»), listed after the colon.
review-liked-1 = Өте қуаныштымыз: { $liked }.
review-liked-2 = Пікіріңізді оқып қуандық: { $liked }.
review-pleased-1 = Тауар сізге ұнағанына қуаныштымыз.
review-pleased-2 = Тауар үмітіңізді ақтағанын білу жағымды.
# `about-*` qualify «ескертпеңіз»: «өлшем туралы ескертпеңіз».
review-remark-1 = Сондай-ақ { $about } ескертпеңізге рахмет — міндетті түрде ескереміз.
review-remark-2 = Командаға { $about } ескертпеңізді жеткіземіз, бұл туралы жазғаныңызға рахмет.
review-size-chart-later-1 = Келесі жолы өлшемді таңдауға тауар карточкасындағы кесте көмектеседі.
review-closing-1 = Сізді тағы күтеміз!
review-closing-2 = Сәтті сауда тілейміз!
review-closing-3 = Сатып алған тауарыңыз ұзақ уақыт қуантсын!
review-sorry-size_small = Тауар сіз күткеннен кішірек болып шыққанына өкінеміз.
review-sorry-size_large = Тауар үлкен болып шыққанына өкінеміз.
review-sorry-size_off = Өлшемі сай келмегеніне өкінеміз.
review-sorry-defect = Сізге ақаулы тауар келгеніне қатты өкінеміз.
review-sorry-wrong_item = Кешірім сұраймыз: сізге басқа тауар келіп қалыпты.
review-sorry-colour_mismatch = Түсі сіз күткендей болмағанына өкінеміз.
review-sorry-not_as_pictured = Тауар сипаттамасы мен фотосына қарап күткеніңіздей болмағанына өкінеміз.
review-sorry-smell = Иісі көңіліңізге жақпағанына өкінеміз.
review-sorry-thin_material = Матасы сізге тым жұқа көрінгеніне өкінеміз.
review-sorry-delivery_damage = Тауар жеткізу кезінде зақымдалғанына қатты өкінеміз.
review-sorry-late = Тапсырыс ойлағаныңыздан ұзағырақ жеткеніне өкінеміз.
review-sorry-poor_quality = Сапасы көңіліңізден шықпағанына өкінеміз.
review-sorry-incomplete = Тапсырыста бірдеңе жетпей қалғанына өкінеміз.
review-sorry-uncomfortable = Киюге ыңғайсыз болғанына өкінеміз.
review-sorry-other = Тауар көңіліңізден шықпағанына өкінеміз.
review-sorry-general-1 = Тауар көңіліңізден шықпағанына өкінеміз.
review-sorry-general-2 = Тауар үмітіңізді ақтамағанына қатты өкінеміз.
review-size-chart-1 = Өлшемді таңдауға тауар карточкасындағы кесте көмектеседі: ол дене өлшемдері бойынша жасалған.
review-returns = Дүкен ережелері бойынша: { $policy }
review-returns-chat-1 = Сатушымен чатқа жазыңызшы — қайтаруға немесе ауыстыруға көмектесеміз.
review-next-1 = Пікіріңіз командамызға жетті — мұның қалай болғанын анықтаймыз.
review-next-2 = Пікіріңізді сапаға жауапты қызметкерлерге жеткіздік.
review-next-3 = Бұл туралы жазғаныңызға рахмет: осылай мәселені тезірек түзетеміз.
review-tell-more-1 = Сатушымен чатта нақты не ұнамағанын айтсаңыз, көмектесуге тырысамыз.
liked-quality = сізге сапасы ұнапты
liked-fit = өлшемі дәл келіпті
liked-colour = түсі ұнапты
liked-material = матасы ұнапты
liked-warmth = киім жақсы жылытады екен
liked-comfort = сізге ыңғайлы екен
liked-price = бағасы көңіліңізден шығыпты
liked-delivery = тапсырыс тез жетіпті
liked-packaging = қаптамасы ұнапты
liked-looks = тауар сіз қалағандай болып шығыпты
about-size_small = өлшем туралы
about-size_large = өлшем туралы
about-size_off = өлшем туралы
about-defect = тігіс сапасы туралы
about-wrong_item = тапсырыстың құрамы туралы
about-colour_mismatch = түс туралы
about-not_as_pictured = сипаттама мен фото туралы
about-smell = иіс туралы
about-thin_material = мата туралы
about-delivery_damage = жеткізу кезіндегі қаптама туралы
about-late = жеткізу мерзімі туралы
about-poor_quality = сапа туралы
about-incomplete = жиынтық туралы
about-uncomfortable = ыңғайлылық туралы
about-other = пікіріңіздегі

## For operators (summaries are in Russian whatever the shopper's language)

intent-greeting = сәлемдесу
intent-thanks_bye = алғыс немесе қоштасу
intent-order_status = тапсырыс мәртебесі
intent-order_cancel = тапсырыстан бас тарту
intent-return_request = тауарды қайтару
intent-exchange_request = айырбастау
intent-refund_status = ақшаны қайтару
intent-defect_or_wrong_item = ақау немесе басқа тауар
intent-product_question = тауар туралы сұрақ
intent-product_availability = тауардың бар-жоғы
intent-size_advice = өлшем таңдау
intent-payment_issue = төлем мәселесі
intent-discount_promo = жеңілдіктер мен промокодтар
intent-human_request = қызметкерді сұрайды
intent-complaint = шағым
intent-other = басқа сұрақ
property-material = материал немесе құрам
property-care = күтім және жуу
property-country = өндірілген ел
property-colour = түс
property-colour_as_pictured = түстің фотоға сәйкестігі
property-packaging = қаптама
property-warmth = қандай ауа райына арналған
property-waterproof = ылғалдан және желден қорғау
property-length = ұзындық
property-dimensions = сыртқы өлшемдер
property-weight = салмақ
property-volume = көлем
property-season = маусым
property-warranty = кепілдік
property-dishwasher = ыдыс жуғыш машинада жуу
property-compatibility = үйлесімділік
property-equipment = жиынтық
property-size_fit = өлшемге сәйкестік
property-shrinkage = жуғаннан кейін отырып қалу
